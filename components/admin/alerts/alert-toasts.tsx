"use client";
// New alerts from the /admin feed, shown for a few seconds in a corner of every console screen.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { AdminAlert } from "@/lib/backoffice";
import { Icon } from "../icons";
import { useAdminFeed } from "../use-admin-feed";
import { ALERT_KIND_LABEL } from "./labels";

const SHOW_MS = 8_000;
const MAX_SHOWN = 4;

export function AlertToasts() {
  // `until` is this browser's clock: the alert's raisedAt is the database's.
  const [shown, setShown] = useState<(AdminAlert & { until: number })[]>([]);
  useAdminFeed({
    alert: (alert) =>
      setShown((list) => [{ ...alert, until: Date.now() + SHOW_MS }, ...list.filter((a) => a.id !== alert.id)].slice(0, MAX_SHOWN)),
  });

  const oldest = shown[shown.length - 1];
  useEffect(() => {
    if (!oldest) return;
    const timer = setTimeout(() => setShown((list) => list.filter((a) => a.id !== oldest.id)), Math.max(0, oldest.until - Date.now()));
    return () => clearTimeout(timer);
  }, [oldest]);

  return (
    <div className="adm-toasts" aria-live="polite" role="status" data-testid="alert-toasts">
      {shown.map((a) => (
        <div key={a.id} className={`adm-toast adm-toast--${a.kind}`} data-testid={`alert-toast-${a.sku}`}>
          <Icon name="alerts" />
          <div className="adm-toast__body">
            <p className="adm-toast__title">
              {ALERT_KIND_LABEL[a.kind]}: <code className="adm-sku">{a.sku}</code>
            </p>
            <p className="adm-toast__text">
              {a.kind === "event_held" ? (
                <>
                  A stock change could not be recorded in the ledger. <Link href="/admin/reconciliation#held-changes">Review it</Link>
                </>
              ) : (
                <>
                  {a.kind === "sold_out" ? "No units left to sell." : `${a.available} available, threshold ${a.threshold}.`}{" "}
                  <Link href="/admin/alerts">See alerts</Link>
                </>
              )}
            </p>
          </div>
          <button
            type="button"
            className="adm-icon-button"
            aria-label="Dismiss"
            onClick={() => setShown((list) => list.filter((x) => x.id !== a.id))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
