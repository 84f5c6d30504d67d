import type { Metadata } from "next";
import { CreateWebhookForm } from "@/components/admin/create-webhook-form";
import { deleteWebhook } from "@/app/admin/actions/delete-webhook";
import { ConfirmActionForm } from "@/components/admin/confirm-action-form";
import { formatDateTime, formatDay, formatRelative } from "@/components/admin/format";
import { Icon } from "@/components/admin/icons";
import { hasRole } from "@/lib/auth";
import { requireStaffPage } from "@/lib/auth/next";
import { recentChannelDeliveries, type ChannelDeliveryInfo, type ChannelDeliveryStatus } from "@/lib/channels";
import { appDeps } from "@/lib/core/deps";
import { listWebhookDeliveries, listWebhookSubscriptions, type WebhookDeliveryInfo } from "@/lib/webhooks";

export const metadata: Metadata = { title: "Channels" };

const INBOUND_LABEL: Record<ChannelDeliveryStatus, string> = {
  received: "Processing",
  applied: "Applied",
  duplicate: "Duplicate",
  stale: "Stale",
  rejected: "Rejected",
};

export default async function ChannelsPage() {
  const staff = await requireStaffPage("merchandiser");
  const isAdmin = hasRole(staff.role, "admin");
  const deps = appDeps();
  const [inbound, subscriptions] = await Promise.all([recentChannelDeliveries(deps, { perChannel: 12 }), listWebhookSubscriptions(deps)]);
  const logs = await Promise.all(subscriptions.map((s) => listWebhookDeliveries(deps, s.id, { limit: 8 })));
  const now = new Date();

  return (
    <div className="adm-page" data-testid="admin-channels">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Selling</p>
          <h1 className="adm-title">Channels</h1>
          <p className="adm-lead">
            Stock changes that marketplaces send us, and the systems we tell about ours. Every inbound event counts once, however often it
            is sent; outbound deliveries are retried until the receiver answers.
          </p>
        </div>
      </header>

      <section className="adm-box" aria-labelledby="inbound-title">
        <div className="adm-box__head">
          <div>
            <h2 id="inbound-title" className="adm-box__title">
              Inbound webhooks
            </h2>
            <p className="adm-muted">
              Channels post to <code>/api/v1/webhooks/channels/&lt;channel&gt;</code>, signed with <code>WEBHOOK_SECRET</code> in{" "}
              <code>X-Stockwire-Signature</code>.
            </p>
          </div>
        </div>
        {inbound.size === 0 ? (
          <div className="adm-empty" data-testid="inbound-empty">
            <Icon name="channels" />
            <p>No channel has sent an event yet. Deliveries appear here as they arrive, with what became of each.</p>
          </div>
        ) : (
          [...inbound].map(([channel, rows]) => <ChannelLog key={channel} channel={channel} rows={rows} now={now} />)
        )}
      </section>

      <section className="adm-box" aria-labelledby="outbound-title">
        <div className="adm-box__head">
          <div>
            <h2 id="outbound-title" className="adm-box__title">
              Outbound webhooks
            </h2>
            <p className="adm-muted">
              Each stock change is posted as JSON to every subscribed URL, signed with that subscription&rsquo;s secret, and retried with
              growing pauses (1 s, 2 s, 4 s …) up to 8 times.
            </p>
          </div>
        </div>
        {isAdmin ? <CreateWebhookForm /> : null}
        {subscriptions.length === 0 ? (
          <div className="adm-empty" data-testid="subscriptions-empty">
            <Icon name="channels" />
            <p>
              {isAdmin
                ? "No URL is subscribed yet. Add your ERP or warehouse system above."
                : "No URL is subscribed yet. An admin can add one."}
            </p>
          </div>
        ) : (
          subscriptions.map((s, i) => (
            <div key={s.id} className="adm-ch-group" data-testid={`subscription-${s.id}`}>
              <div className="adm-ch-group__head">
                <div className="adm-ch-group__who">
                  <span className="adm-ch-url" title={s.url}>
                    {s.url}
                  </span>
                  <span className="adm-ch-meta">
                    <span className={`adm-ch-filter${s.events === "low_stock" ? " adm-ch-filter--low" : ""}`}>
                      {s.events === "low_stock" ? "Low stock only" : s.events === "alerts" ? "Alerts" : "Every change"}
                    </span>
                    <span className="adm-muted">
                      Added {formatDay(s.createdAt)}
                      {s.createdBy ? ` by ${s.createdBy}` : ""} · secret …{s.secretHint}
                    </span>
                  </span>
                </div>
                {isAdmin ? (
                  <ConfirmActionForm
                    action={deleteWebhook}
                    field={{ name: "subscriptionId", value: s.id }}
                    verb="Remove"
                    subject={s.url}
                    testIds={{ open: `webhook-remove-${s.id}`, confirm: `webhook-remove-confirm-${s.id}` }}
                  />
                ) : null}
              </div>
              <DeliveryLog rows={logs[i] ?? []} now={now} />
            </div>
          ))
        )}
      </section>
    </div>
  );
}

function ChannelLog({ channel, rows, now }: { channel: string; rows: ChannelDeliveryInfo[]; now: Date }) {
  const counts = rows.reduce<Partial<Record<ChannelDeliveryStatus, number>>>(
    (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
    {},
  );
  return (
    <div className="adm-ch-group" data-testid={`channel-${channel}`}>
      <div className="adm-ch-group__head">
        <div className="adm-ch-group__who">
          <span className="adm-ch-name">{channel}</span>
          <span className="adm-ch-meta">
            {(Object.keys(INBOUND_LABEL) as ChannelDeliveryStatus[])
              .filter((s) => counts[s])
              .map((s) => (
                <span key={s} className={`adm-ch-count adm-ch-count--${s}`}>
                  {counts[s]} {INBOUND_LABEL[s].toLowerCase()}
                </span>
              ))}
            <span className="adm-muted">last {rows.length} events</span>
          </span>
        </div>
      </div>
      <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
        <table className="adm-table adm-table--stack adm-ch-table">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Event</th>
              <th scope="col">SKU</th>
              <th scope="col" className="adm-ch-num">
                Change
              </th>
              <th scope="col">Status</th>
              <th scope="col" className="adm-table__wide">
                Note
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`inbound-${r.eventId}-${r.status}`}>
                <td className="adm-table__nowrap" title={formatDateTime(r.receivedAt)}>
                  {formatRelative(r.receivedAt, now)}
                </td>
                <td>
                  <code className="adm-ch-code" title={`occurred ${formatDateTime(r.occurredAt)}`}>
                    {r.eventId}
                  </code>
                </td>
                <td>
                  <code className="adm-ch-code">{r.sku}</code>
                </td>
                <td className="adm-ch-num">
                  <span className={r.delta > 0 ? "adm-ch-up" : "adm-ch-down"}>{r.delta > 0 ? `+${r.delta}` : `−${Math.abs(r.delta)}`}</span>
                  {r.onHand !== null ? <span className="adm-ch-abs"> → {r.onHand}</span> : null}
                </td>
                <td>
                  <span className={`adm-status adm-ch-status--${r.status}`}>{INBOUND_LABEL[r.status]}</span>
                </td>
                <td className="adm-table__wide adm-muted adm-ch-note">
                  {r.status === "applied" && r.version !== null
                    ? `Stock version ${r.version}`
                    : r.status === "duplicate"
                      ? "Already received: nothing changed"
                      : (r.error ?? "")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function DeliveryLog({ rows, now }: { rows: WebhookDeliveryInfo[]; now: Date }) {
  if (rows.length === 0) return <p className="adm-ch-none adm-muted">Nothing sent yet: the next stock change will be.</p>;
  return (
    <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
      <table className="adm-table adm-table--stack adm-ch-table">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col" className="adm-ch-num">
              Attempts
            </th>
            <th scope="col" className="adm-table__wide">
              Last answer
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-testid={`delivery-${d.eventKey}`}>
              <td className="adm-table__nowrap" title={formatDateTime(d.createdAt)}>
                {formatRelative(d.createdAt, now)}
              </td>
              <td>
                <code className="adm-ch-code">{d.eventKey}</code>
              </td>
              <td>
                <span className={`adm-status adm-ch-status--${d.status}`}>
                  {d.status === "delivered" ? "Delivered" : d.status === "failed" ? "Failed" : d.attempts === 0 ? "Queued" : "Retrying"}
                </span>
                {d.status === "pending" && d.attempts > 0 ? (
                  <span className="adm-ch-retry" title={formatDateTime(d.nextAttemptAt)}>
                    next try {formatIn(d.nextAttemptAt, now)}
                  </span>
                ) : null}
              </td>
              <td className="adm-ch-num">{d.attempts}</td>
              <td className="adm-table__wide adm-muted adm-ch-note">
                {d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : "—")}
                {d.deliveredAt ? ` · ${formatRelative(d.deliveredAt, now)}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function formatIn(at: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((at.getTime() - now.getTime()) / 1000));
  if (seconds < 1) return "now";
  if (seconds < 90) return `in ${seconds} s`;
  return `in ${Math.round(seconds / 60)} min`;
}
