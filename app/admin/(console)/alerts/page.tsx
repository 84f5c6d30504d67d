import type { Metadata } from "next";
import Link from "next/link";
import { AcknowledgeButton } from "@/components/admin/alerts/acknowledge-button";
import { ALERT_KIND_LABEL } from "@/components/admin/alerts/labels";
import { formatDateTime, formatRelative } from "@/components/admin/format";
import { Icon } from "@/components/admin/icons";
import { alertBoard, type AdminAlert } from "@/lib/backoffice";
import { requireStaffPage } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";

export const metadata: Metadata = { title: "Alerts" };

function KindPill({ alert }: { alert: AdminAlert }) {
  return <span className={`adm-alert-kind adm-alert-kind--${alert.kind}`}>{ALERT_KIND_LABEL[alert.kind]}</span>;
}

export default async function AlertsPage() {
  await requireStaffPage("merchandiser");
  const { open, acknowledged } = await alertBoard(appDeps());
  const now = new Date();

  return (
    <div className="adm-page" data-testid="admin-alerts">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Inventory</p>
          <h1 className="adm-title">Alerts</h1>
          <p className="adm-lead">
            Stockwire raises an alert when a stock change leaves a SKU at or under its product&rsquo;s low-stock threshold, or with nothing
            left to sell. One alert per SKU and kind stays open until someone acknowledges it, even after a restock; new ones also pop up in
            the corner of every screen.
          </p>
        </div>
      </header>

      <section className="adm-box" aria-labelledby="open-title">
        <div className="adm-box__head">
          <h2 id="open-title" className="adm-box__title">
            Open <span className="adm-pill">{open.length}</span>
          </h2>
          <p className="adm-muted">Newest first. Acknowledging records your name; the SKU raises a new alert if it drops again.</p>
        </div>
        {open.length === 0 ? (
          <div className="adm-empty adm-empty--ok" data-testid="alerts-empty">
            <Icon name="check" />
            <p>No open alerts: every SKU is above its threshold or has been looked at.</p>
          </div>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table adm-table--stack" data-testid="alerts-open">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Kind</th>
                  <th scope="col" className="adm-num">
                    Available
                  </th>
                  <th scope="col" className="adm-num">
                    Threshold
                  </th>
                  <th scope="col">Raised</th>
                  <th scope="col">
                    <span className="adm-sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {open.map((a) => (
                  <tr key={a.id} data-testid={`alert-open-${a.sku}-${a.kind}`}>
                    <td>
                      <Link href={`/admin/stock/${encodeURIComponent(a.sku)}`}>
                        <code className="adm-sku">{a.sku}</code>
                      </Link>
                    </td>
                    <td>
                      <KindPill alert={a} />
                    </td>
                    <td className="adm-num">{a.kind === "event_held" ? "–" : a.available}</td>
                    <td className="adm-num">
                      {a.kind === "event_held" ? <Link href="/admin/reconciliation#held-changes">Review</Link> : a.threshold}
                    </td>
                    <td title={formatDateTime(new Date(a.raisedAt))}>{formatRelative(new Date(a.raisedAt), now)}</td>
                    <td className="adm-alerts__action">
                      <AcknowledgeButton id={a.id} sku={a.sku} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="adm-box" aria-labelledby="acked-title">
        <div className="adm-box__head">
          <h2 id="acked-title" className="adm-box__title">
            Acknowledged
          </h2>
          <p className="adm-muted">The last {acknowledged.length === 1 ? "one" : acknowledged.length}, most recently acknowledged first.</p>
        </div>
        {acknowledged.length === 0 ? (
          <div className="adm-empty">
            <Icon name="alerts" />
            <p>Nothing acknowledged yet.</p>
          </div>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table adm-table--stack" data-testid="alerts-acknowledged">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Kind</th>
                  <th scope="col" className="adm-num">
                    Available
                  </th>
                  <th scope="col">Raised</th>
                  <th scope="col">Acknowledged</th>
                </tr>
              </thead>
              <tbody>
                {acknowledged.map((a) => (
                  <tr key={a.id} className="adm-alerts__done">
                    <td>
                      <code className="adm-sku">{a.sku}</code>
                    </td>
                    <td>
                      <KindPill alert={a} />
                    </td>
                    <td className="adm-num">{a.kind === "event_held" ? "–" : a.available}</td>
                    <td>{formatDateTime(new Date(a.raisedAt))}</td>
                    <td>
                      {a.acknowledgedAt ? formatRelative(new Date(a.acknowledgedAt), now) : "–"}{" "}
                      <span className="adm-muted">by {a.acknowledgedBy ?? "–"}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
