"use client";
// The sale page's status card (QueuePanel): what the line looks like to this shopper right now.
// Its smaller pieces (pills, countdowns, the wait and odds lines, the join and leave forms) are in
// ./queue-panel-parts.tsx.
import Link from "next/link";
import { useCart } from "../cart/cart-context";
import noticeStyles from "../connection-notice.module.css";
import type { ConnectionStatus } from "../realtime/live-stock";
import { formatCountdown, pluralize } from "../format";
import { formatSeconds, ordinal } from "./format";
import styles from "./queue-panel.module.css";
import type { DisplayState, QueueModel } from "./queue-model";
import { Again, JoinForm, LeaveForm, Odds, Pill, StartCountdown, WaitLine, joinedSoFar } from "./queue-panel-parts";

export interface QueuePanelSale {
  id: string;
  perShopperLimit: number;
  admissionWindowSeconds: number;
  graceSeconds: number;
}

type FormAction = (formData: FormData) => void;

export interface QueuePanelProps {
  sale: QueuePanelSale;
  state: DisplayState;
  model: QueueModel;
  now: number;
  unitsLeft: number;
  connection: ConnectionStatus;
  holdMinutes: number;
  join: { action: FormAction; pending: boolean };
  leave: { action: FormAction; pending: boolean };
  /** The last join/leave result: a refusal is shown, a success announced. */
  message: { text: string; tone: "success" | "error" } | null;
}

/** The card's tone for each state: the colour of its top edge (waiting keeps the default). */
const TONE: Record<DisplayState, string | undefined> = {
  scheduled: undefined,
  starting: undefined,
  live: undefined,
  paused: undefined,
  pre: undefined,
  waiting: undefined,
  admitted: styles.turn,
  done: styles.turn,
  expired: styles.quiet,
  lapsed: styles.quiet,
  left: styles.quiet,
  soldout: styles.over,
  closed: styles.over,
};

/** The sale page's status card: what the line looks like to this shopper right now, and what they can do. */
export function QueuePanel(props: QueuePanelProps) {
  const { state, model } = props;
  const position = state === "waiting" ? (model.ticket?.position ?? 0) : 0;
  return (
    <div
      className={TONE[state] ? `${styles.card} ${TONE[state]}` : styles.card}
      data-testid="sale-status"
      data-state={state}
      data-position={position}
    >
      <Body {...props} />
      {/* Refusals stay on screen; a success is already shown by the card itself, so it is only announced. */}
      {props.message && (
        <p
          className={props.message.tone === "error" ? `${styles.message} ${styles.messageError}` : "visually-hidden"}
          data-testid="queue-message"
          role="status"
          aria-live="polite"
        >
          {props.message.text}
        </p>
      )}
      {props.connection === "stale" && (
        <p className={styles.offline} role="status">
          <span className={noticeStyles.dot} aria-hidden="true" /> Reconnecting… your place in line is kept.
        </p>
      )}
    </div>
  );
}

function Body(props: QueuePanelProps) {
  const { state, model, now, sale, unitsLeft, holdMinutes } = props;
  const { counters } = model;
  const ticket = model.ticket;
  const startsIn = counters.startsAt - now;

  switch (state) {
    case "scheduled":
    case "starting":
      return (
        <>
          <Pill tone="soon">Opens soon</Pill>
          {startsIn > 0 && state === "scheduled" ? (
            <StartCountdown startsAt={counters.startsAt} now={now} />
          ) : (
            <h2 className={styles.headline}>Opening now…</h2>
          )}
          <p className={styles.lead}>
            <strong>Join the line now.</strong> Everyone who joins before the start gets a random place in line when the sale opens —
            arriving early or refreshing the page gains nothing.
          </p>
          <JoinForm {...props} label="Join the line" />
          <p className={styles.meta}>{joinedSoFar(counters.prequeue)}</p>
        </>
      );

    case "live":
    case "paused": {
      const ahead = counters.waiting;
      return (
        <>
          {state === "paused" ? <Pill tone="paused">Paused</Pill> : <Pill tone="live">Live now</Pill>}
          <h2 className={styles.headline}>{ahead === 0 ? "No line right now" : `${pluralize(ahead, "shopper")} in line`}</h2>
          <p className={styles.lead}>
            {ahead === 0
              ? "Join and your turn comes right away."
              : `Join now and you'll be ${ordinal(ahead + 1)} in line. Places are first come, first served from here on.`}
          </p>
          <WaitLine position={ahead + 1} state={state} rate={counters.rate} unitsLeft={unitsLeft} />
          <JoinForm {...props} label="Join the line" />
        </>
      );
    }

    case "pre":
      return (
        <>
          <Pill tone="soon">You&rsquo;re in</Pill>
          {startsIn > 0 && counters.status === "scheduled" ? (
            <StartCountdown startsAt={counters.startsAt} now={now} />
          ) : (
            <h2 className={styles.headline}>
              <span className="spinner" aria-hidden="true" /> Drawing places…
            </h2>
          )}
          <p className={styles.lead}>
            <strong>You&rsquo;re in the line for the start.</strong> When the sale opens, everyone who joined before then gets a random
            place — arriving early or refreshing gains nothing. Keep this page open and your place appears here.
          </p>
          <p className={styles.meta}>{joinedSoFar(counters.prequeue)}</p>
          <LeaveForm {...props} label="Leave the line" />
        </>
      );

    case "waiting": {
      const pos = Math.max(1, ticket?.position ?? 1);
      const start = Math.max(pos, model.startPosition);
      const progress = start > 1 ? (start - pos) / (start - 1) : 1;
      return (
        <>
          {counters.status === "paused" ? <Pill tone="paused">Paused</Pill> : <Pill tone="live">In line</Pill>}
          <p className={`${styles.headline} ${styles.headlinePosition}`} data-testid="queue-position" aria-live="polite">
            You are <strong>{ordinal(pos)}</strong> in line
          </p>
          <div
            className={styles.progress}
            role="progressbar"
            aria-label="Progress to the front of the line"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
          >
            <span className={styles.progressBar} style={{ width: `${Math.max(4, progress * 100)}%` }} />
          </div>
          <WaitLine position={pos} state={counters.status} rate={counters.rate} unitsLeft={unitsLeft} />
          <Odds position={pos} unitsLeft={unitsLeft} limit={sale.perShopperLimit} />
          <p className={styles.meta}>
            Keep this page open. When it&rsquo;s your turn you&rsquo;ll have {formatSeconds(sale.admissionWindowSeconds)} to add to your
            cart. Away for more than {formatSeconds(sale.graceSeconds)}, you lose your place.
          </p>
          <LeaveForm {...props} label="Leave the line" />
        </>
      );
    }

    case "admitted": {
      const deadline = ticket?.deadline ?? 0;
      const remaining = Math.max(0, deadline - now);
      const share = Math.min(1, remaining / (sale.admissionWindowSeconds * 1000));
      const units = ticket?.units ?? 0;
      const warning = remaining <= 30_000;
      return (
        <>
          <Pill tone="turn">Your turn</Pill>
          <h2 className={styles.headline}>It&rsquo;s your turn</h2>
          <div
            className={warning ? `${styles.deadline} ${styles.deadlineWarning}` : styles.deadline}
            data-testid="turn-deadline"
            data-deadline={deadline}
          >
            <span>Add to your cart within</span>
            <time className={styles.deadlineTime} dateTime={`PT${Math.ceil(remaining / 1000)}S`}>
              {deadline > 0 ? formatCountdown(remaining) : "–:––"}
            </time>
          </div>
          <div className={`${styles.progress} ${styles.progressTurn}`} aria-hidden="true">
            <span className={styles.progressBar} style={{ width: `${share * 100}%` }} />
          </div>
          <p className={styles.lead}>
            {units > 0 ? (
              <>
                <strong>{pluralize(units, "item")} reserved.</strong>{" "}
                {units < sale.perShopperLimit
                  ? `You can add ${sale.perShopperLimit - units} more before your turn ends.`
                  : "That’s the limit for this sale."}{" "}
                Items in your cart are held for {holdMinutes} minutes.
              </>
            ) : (
              <>
                Choose below — up to {pluralize(sale.perShopperLimit, "item")} per shopper. What you add is held for you for {holdMinutes}{" "}
                minutes while you check out.
              </>
            )}
          </p>
          {units > 0 ? (
            <Link href="/cart" className="button button--primary button--large button--block">
              Check out now
            </Link>
          ) : (
            <LeaveForm {...props} label="Give my turn to the next shopper" quiet />
          )}
        </>
      );
    }

    case "done":
      return <Done {...props} />;

    case "expired":
      return (
        <Again {...props} pill="Turn over" title="Your turn ended">
          Nothing was added to your cart in time, so your turn passed to the next shopper. You can join again — at the back of the line.
        </Again>
      );

    case "lapsed":
      return (
        <Again {...props} pill="Place lost" title="You lost your place">
          This page was closed for more than {formatSeconds(sale.graceSeconds)}, so your place went to the shoppers behind you. You can join
          again — at the back of the line.
        </Again>
      );

    case "left":
      return (
        <Again {...props} pill="Not in line" title="You left the line">
          Changed your mind? You can join again — at the back of the line.
        </Again>
      );

    case "soldout":
      return (
        <>
          <Pill tone="over">Sold out</Pill>
          <h2 className={styles.headline}>Sold out</h2>
          <p className={styles.lead}>
            Every unit in this sale has been sold{ticket ? " — sorry you missed out this time" : ""}. Thanks for waiting in line.
          </p>
          <Link href="/" className="button button--secondary button--block">
            Back to the shop
          </Link>
        </>
      );

    case "closed":
      return (
        <>
          <Pill tone="over">Ended</Pill>
          <h2 className={styles.headline}>This sale has ended</h2>
          <p className={styles.lead}>The line is closed. Anything left is back on sale in the shop at its usual price.</p>
          <Link href="/" className="button button--secondary button--block">
            Back to the shop
          </Link>
        </>
      );
  }
}

/** The turn is over and something was taken under it: still in the cart, or already ordered. */
function Done({ model }: QueuePanelProps) {
  const { count } = useCart();
  const units = model.ticket?.units ?? 0;
  const what = units === 1 ? "your item" : units > 1 ? `your ${units} items` : "what you chose";
  return (
    <>
      <Pill tone="turn">All set</Pill>
      <h2 className={styles.headline}>You&rsquo;re all set</h2>
      {count > 0 ? (
        <>
          <p className={styles.lead}>
            Your turn is over and {what} {units === 1 ? "is" : "are"} held in your cart. Check out before the hold ends to make{" "}
            {units === 1 ? "it" : "them"} yours.
          </p>
          <Link href="/cart" className="button button--primary button--block">
            Go to checkout
          </Link>
        </>
      ) : (
        <>
          <p className={styles.lead}>
            {units > 0
              ? "Your turn is over and you got yours. Thanks for shopping the drop."
              : "Your turn is over, and nothing from it is in your cart any more."}
          </p>
          <Link href="/" className="button button--secondary button--block">
            Back to the shop
          </Link>
        </>
      )}
    </>
  );
}
