"use client";
// The pieces of the sale page's status card (./queue-panel.tsx).
import type { ReactNode } from "react";
import { pluralize } from "../format";
import { useHydrated } from "../use-hydrated";
import { formatStartsIn, formatWait, ordinal } from "./format";
import styles from "./queue-panel.module.css";
import type { QueuePanelProps } from "./queue-panel";

const PILL = { soon: styles.pillSoon, live: styles.pillLive, paused: styles.pillPaused, turn: styles.pillTurn, over: styles.pillOver };

const ODDS = { good: styles.oddsGood, fair: styles.oddsFair, poor: styles.oddsPoor };

export function Pill({ tone, children }: { tone: "soon" | "live" | "paused" | "turn" | "over"; children: ReactNode }) {
  return (
    <p className={`${styles.pill} ${PILL[tone]}`}>
      <span className={styles.pillDot} aria-hidden="true" />
      {children}
    </p>
  );
}

export function StartCountdown({ startsAt, now }: { startsAt: number; now: number }) {
  const hydrated = useHydrated();
  const remaining = Math.max(0, startsAt - now);
  return (
    <div className={styles.startCountdown}>
      <p className={styles.startLabel}>Starts in</p>
      <p className={styles.startTime} data-testid="sale-countdown" data-starts-at={startsAt}>
        <time dateTime={`PT${Math.ceil(remaining / 1000)}S`}>{formatStartsIn(remaining)}</time>
      </p>
      {/* Local time only in the browser: the server does not know the shopper's time zone. */}
      <p className={styles.startAt}>{hydrated ? formatStart(startsAt) : " "}</p>
    </div>
  );
}

function formatStart(at: number): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  const today = new Date();
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  if (date.toDateString() === today.toDateString()) return `Today at ${time}`;
  if (date.toDateString() === tomorrow.toDateString()) return `Tomorrow at ${time}`;
  return `${date.toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" })} at ${time}`;
}

export function joinedSoFar(n: number): string {
  if (n === 0) return "Nobody has joined yet — be the first.";
  return `${pluralize(n, "shopper has", "shoppers have")} joined so far.`;
}

/** The estimated wait from the measured admission rate, or why there is none. */
export function WaitLine({ position, state, rate, unitsLeft }: { position: number; state: string; rate: number; unitsLeft: number }) {
  let text: ReactNode;
  if (state === "paused") {
    text = "Admissions are paused for a moment. Your place is kept — stay on this page.";
  } else if (unitsLeft <= 0) {
    text = "Waiting for units to come back: everything left is in someone’s cart. Units not bought in time return to the line.";
  } else if (rate <= 0) {
    text = position <= 1 ? "You’re next." : "Working out the wait…";
  } else {
    text = (
      <>
        Estimated wait: <strong>{formatWait(position / rate)}</strong>
      </>
    );
  }
  return (
    <p className={styles.wait} data-testid="queue-wait">
      <svg viewBox="0 0 20 20" aria-hidden="true">
        <circle cx="10" cy="11" r="7" fill="none" stroke="currentColor" strokeWidth="1.8" />
        <path d="M10 7.5V11l2.4 1.6M8 2.5h4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      <span>{text}</span>
    </p>
  );
}

/** The odds in plain words: the place against the units left. */
export function Odds({ position, unitsLeft, limit }: { position: number; unitsLeft: number; limit: number }) {
  const ahead = position - 1;
  const [tone, words] =
    unitsLeft <= 0
      ? ([
          "poor",
          ahead === 0 ? "You're first for any unit that comes back." : `${ahead} ahead of you for any units that come back.`,
        ] as const)
      : ahead === 0
        ? (["good", "You're at the front: the next turn is yours."] as const)
        : ahead * limit < unitsLeft
          ? (["good", "Even if everyone ahead of you buys the most they can, there will be some left for you."] as const)
          : ahead < unitsLeft
            ? (["good", "Good odds: fewer shoppers ahead of you than units left."] as const)
            : (["fair", "More shoppers ahead of you than units left — but some buy nothing, and unbought units come back."] as const);
  return (
    <p className={`${styles.odds} ${ODDS[tone]}`} data-testid="queue-odds">
      <strong>
        {ordinal(position)} in line, {unitsLeft} left.
      </strong>{" "}
      {words}
    </p>
  );
}

export function JoinForm({ sale, join, label }: QueuePanelProps & { label: string }) {
  const hydrated = useHydrated();
  return (
    <form action={join.action} className={styles.form}>
      <input type="hidden" name="saleId" value={sale.id} />
      <button
        type="submit"
        className="button button--primary button--large button--block"
        data-testid="join-queue"
        disabled={join.pending || !hydrated}
      >
        {join.pending ? (
          <>
            <span className="spinner" aria-hidden="true" /> Joining…
          </>
        ) : (
          label
        )}
      </button>
    </form>
  );
}

export function LeaveForm({ sale, leave, label, quiet }: QueuePanelProps & { label: string; quiet?: boolean }) {
  const hydrated = useHydrated();
  return (
    <form action={leave.action} className={styles.form}>
      <input type="hidden" name="saleId" value={sale.id} />
      <button
        type="submit"
        className={`button ${quiet ? "button--quiet" : "button--secondary"} button--block`}
        data-testid="leave-queue"
        disabled={leave.pending || !hydrated}
      >
        {leave.pending ? "Leaving…" : label}
      </button>
    </form>
  );
}

export function Again(props: QueuePanelProps & { pill: string; title: string; children: ReactNode }) {
  return (
    <>
      <Pill tone="paused">{props.pill}</Pill>
      <h2 className={styles.headline}>{props.title}</h2>
      <p className={styles.lead}>{props.children}</p>
      <p className={styles.meta}>
        {props.model.counters.waiting === 0
          ? "There is no line right now."
          : `${pluralize(props.model.counters.waiting, "shopper")} in line now.`}
      </p>
      <JoinForm {...props} label="Join again" />
    </>
  );
}
