"use client";

import type { ConnectionStatus } from "./realtime/live-stock";
import styles from "./connection-notice.module.css";

/** Says so when the counts on screen may be out of date (the realtime sidecar is unreachable). */
export function ConnectionNotice({ status }: { status: ConnectionStatus }) {
  if (status !== "stale") return null;
  return (
    <div className={styles.notice} data-testid="connection-status" data-status={status} role="status">
      <span className={styles.dot} aria-hidden="true" />
      <span>
        <strong>Live availability paused — reconnecting…</strong> Counts may be out of date.
      </span>
    </div>
  );
}
