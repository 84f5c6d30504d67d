import type { AdminFeedStatus } from "../use-admin-feed";

const LABELS: Record<AdminFeedStatus | "paused", string> = {
  live: "Live",
  connecting: "Connecting…",
  offline: "Offline — reconnecting",
  paused: "Paused",
};

/** Where the live feed stands: live (pulsing), paused by the user, connecting or offline. */
export function LivePill({ status, paused = false }: { status: AdminFeedStatus; paused?: boolean }) {
  const shown = paused ? "paused" : status;
  return (
    <span className={`adm-live adm-live--${shown}`} data-testid="live-status" data-status={shown} role="status" aria-live="polite">
      <span className="adm-live__dot" aria-hidden="true" />
      {LABELS[shown]}
    </span>
  );
}
