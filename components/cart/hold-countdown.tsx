"use client";

import { formatCountdown } from "../format";
import styles from "./hold-countdown.module.css";

/** Time left on a hold, on the server's clock; warns in its last HOLD_WARNING_SECONDS. */
export function HoldCountdown({ expiresAt, now, warningSeconds }: { expiresAt: number; now: number; warningSeconds: number }) {
  const remaining = Math.max(0, expiresAt - now);
  const warning = remaining <= warningSeconds * 1000;
  const seconds = Math.ceil(remaining / 1000);
  return (
    <div
      className={warning ? `${styles.countdown} ${styles.warning}` : styles.countdown}
      data-testid="hold-countdown"
      data-expires-at={expiresAt}
      data-warning={warning}
    >
      <svg className={styles.icon} viewBox="0 0 20 20" aria-hidden="true">
        <circle cx="10" cy="11" r="7" fill="none" stroke="currentColor" strokeWidth="1.8" />
        <path d="M10 7.5V11l2.4 1.6M8 2.5h4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      <span>
        Reserved for you ·{" "}
        <time className={styles.time} dateTime={`PT${seconds}S`}>
          {formatCountdown(remaining)}
        </time>{" "}
        left
      </span>
      {warning && <strong className={styles.warningText}>{seconds < 60 ? "Less than a minute left" : "Reservation ends soon"}</strong>}
    </div>
  );
}
