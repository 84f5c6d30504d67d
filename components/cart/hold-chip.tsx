"use client";

// The header's reminder of the shopper's soonest hold, on every page: "Reserved · 9:48", turning
// to a warning in the last HOLD_WARNING_SECONDS, when it also says so once to screen readers.
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { formatCountdown } from "../format";
import { useCart } from "./cart-context";
import styles from "./hold-chip.module.css";

export function HoldChip() {
  const { holds, now, warningSeconds } = useCart();
  const live = holds.filter((h) => !h.pending && h.expiresAt > now);
  const soonest = live.reduce<(typeof live)[number] | null>((a, h) => (!a || h.expiresAt < a.expiresAt ? h : a), null);
  const remaining = soonest ? soonest.expiresAt - now : 0;
  const warning = soonest !== null && remaining <= warningSeconds * 1000;

  // One polite announcement per hold when its last minute starts (not every second).
  const warned = useRef(new Set<string>());
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    if (!warning || !soonest || warned.current.has(soonest.id)) return;
    warned.current.add(soonest.id);
    const seconds = Math.ceil(remaining / 1000);
    setAnnouncement(
      `Your reservation ends in ${seconds < 60 ? "less than a minute" : `${Math.ceil(seconds / 60)} minutes`}. Check out or extend it in your cart.`,
    );
  }, [warning, soonest, remaining]);

  return (
    <>
      <span className="visually-hidden" role="status" aria-live="polite" data-testid="hold-chip-announcement">
        {announcement}
      </span>
      {soonest ? (
        <Link
          href="/cart"
          className={`${styles.chip}${warning ? ` ${styles.warning}` : ""}`}
          data-testid="hold-chip"
          data-warning={warning}
          data-expires-at={soonest.expiresAt}
          title={live.length > 1 ? `${live.length} reservations; the soonest ends first` : "Your reservation"}
        >
          <svg className={styles.icon} viewBox="0 0 20 20" aria-hidden="true">
            <circle cx="10" cy="11" r="7" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <path d="M10 7.5V11l2.4 1.6M8 2.5h4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          <span className={styles.label}>{warning ? "Ends in" : "Reserved"}</span>{" "}
          <time dateTime={`PT${Math.ceil(remaining / 1000)}S`}>{formatCountdown(remaining)}</time>
        </Link>
      ) : null}
    </>
  );
}
