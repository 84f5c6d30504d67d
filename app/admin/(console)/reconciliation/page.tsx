import type { Metadata } from "next";
import { formatDateTime, formatRelative } from "@/components/admin/format";
import { Icon } from "@/components/admin/icons";
import { ReconcileControls } from "@/components/admin/reconcile-controls";
import { ResolveHeldChange } from "@/components/admin/resolve-held-change";
import { requireStaffPage } from "@/lib/auth/next";
import { config } from "@/lib/core/config";
import { appDeps } from "@/lib/core/deps";
import { quarantineBoard, type QuarantinedEventView } from "@/lib/ledger";
import { latestReconciliation, recentReconciliationRuns, type ReconcileTrigger } from "@/lib/ledger";

export const metadata: Metadata = { title: "Reconciliation" };

const TRIGGERS: Record<ReconcileTrigger, string> = { schedule: "Scheduled", manual: "From this screen", api: "Admin API" };
const FIELDS: Record<string, string> = {
  onHand: "On hand",
  reserved: "Reserved",
  safety: "Safety stock",
  orphan_hold: "Units held with no cart behind them",
  stalled_checkout: "Units of a checkout left unfinished",
  version_behind: "Change number (counts restored from an older copy)",
};
const TRUTH: Record<string, string> = {
  onHand: "ledger",
  reserved: "live holds",
  safety: "catalog",
  orphan_hold: "no cart",
  stalled_checkout: "sold or back on sale",
  version_behind: "ledger",
};

export default async function ReconciliationPage() {
  await requireStaffPage("merchandiser");
  const deps = appDeps();
  const [latest, runs, held] = await Promise.all([
    latestReconciliation(deps),
    recentReconciliationRuns(deps, 12),
    quarantineBoard(deps, 10),
  ]);
  const now = new Date();
  const open = latest?.drifts.filter((d) => !d.repaired) ?? [];
  const cfg = config();
  const figures = [
    {
      label: "Last check",
      value: latest ? formatRelative(latest.startedAt, now) : "Never",
      note: latest ? TRIGGERS[latest.trigger] : "runs every minute",
    },
    { label: "SKUs compared", value: latest ? latest.skus.toLocaleString("en-US") : "–", note: "live counts against the ledger" },
    { label: "Drifted", value: latest ? latest.drifted.toLocaleString("en-US") : "–", note: "SKUs out of line" },
    { label: "Repaired", value: latest ? latest.repaired.toLocaleString("en-US") : "–", note: "rebuilt from the ledger" },
  ];

  return (
    <div className="adm-page" data-testid="admin-reconciliation">
      <header className="adm-page__header adm-page__header--wrap">
        <div>
          <p className="adm-eyebrow">Selling</p>
          <h1 className="adm-title">Reconciliation</h1>
          <p className="adm-lead">
            Shoppers see live counts; the ledger is the store&rsquo;s permanent record. Every {cfg.RECONCILE_INTERVAL_SECONDS} seconds
            Stockwire compares each SKU&rsquo;s <strong>on hand</strong> with the ledger, <strong>reserved</strong> with its live holds and{" "}
            <strong>safety stock</strong> with the catalog, and looks for holds with no cart behind them
            {cfg.RECONCILE_AUTO_REPAIR ? " and repairs what drifted." : ", and reports what drifted. A repair is yours to make."}
          </p>
        </div>
        <ReconcileControls hasDrift={open.length > 0} />
      </header>

      <section aria-label="Last check" className="adm-stats">
        {figures.map((f) => (
          <div key={f.label} className="adm-stat">
            <p className="adm-stat__label">{f.label}</p>
            <p className="adm-stat__value">{f.value}</p>
            <p className="adm-stat__note">{f.note}</p>
          </div>
        ))}
      </section>

      <section className="adm-box" aria-labelledby="drift-title">
        <div className="adm-box__head">
          <h2 id="drift-title" className="adm-box__title">
            Current drift
          </h2>
          <p className="adm-muted">
            {latest
              ? `As found by the check of ${formatDateTime(latest.startedAt)}. A repair recounts the SKU from the ledger and records the recount in its history.`
              : "No check has run yet."}
          </p>
        </div>
        {latest && latest.drifts.length > 0 ? (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table" data-testid="drift-table">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Field</th>
                  <th scope="col" className="adm-num">
                    Live count
                  </th>
                  <th scope="col" className="adm-num">
                    Expected
                  </th>
                  <th scope="col" className="adm-num adm-table__wide">
                    Off by
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {latest.drifts.map((d, i) => (
                  <tr key={`${d.sku}-${d.field}-${i}`} data-testid={`drift-${d.sku}-${d.field}`}>
                    <td>
                      <code className="adm-sku">{d.sku}</code>
                    </td>
                    <td>{FIELDS[d.field] ?? d.field}</td>
                    <td className="adm-num">{d.redis === null ? <span className="adm-muted">missing</span> : d.redis}</td>
                    <td className="adm-num">
                      {d.expected} <span className="adm-muted adm-rec-truth">{TRUTH[d.field]}</span>
                    </td>
                    <td className="adm-num adm-table__wide">{d.redis === null ? "–" : signed(d.redis - d.expected)}</td>
                    <td>
                      {d.repaired ? (
                        <span className="adm-status adm-status--on">Repaired</span>
                      ) : (
                        <span className="adm-status adm-status--warn">Open</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <div className="adm-empty adm-empty--ok" data-testid="drift-empty">
            <Icon name="check" />
            <p>
              {latest
                ? "The live counts match the ledger for every SKU."
                : "The first check runs within a minute of the store starting, or press “Check now”."}
            </p>
          </div>
        )}
      </section>

      <section className="adm-box" aria-labelledby="held-title" id="held-changes" data-testid="held-changes">
        <div className="adm-box__head">
          <h2 id="held-title" className="adm-box__title">
            Changes held for review{" "}
            {held.open.length > 0 ? <span className="adm-status adm-status--warn">{held.open.length} open</span> : null}
          </h2>
          <p className="adm-muted">
            A stock change that could not be written to the ledger as it is — a value the ledger cannot store, or a change numbered like one
            already recorded but with different figures — is kept here whole. The SKU&rsquo;s later changes keep being recorded. Check the
            SKU&rsquo;s count, correct it with an adjustment if needed, then mark the change resolved with a note.
          </p>
        </div>
        {held.open.length === 0 ? (
          <div className="adm-empty adm-empty--ok" data-testid="held-empty">
            <Icon name="check" />
            <p>Every stock change has been recorded in the ledger.</p>
          </div>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table" data-testid="held-table">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Why it was held</th>
                  <th scope="col">The change</th>
                  <th scope="col">Held</th>
                  <th scope="col">
                    <span className="adm-sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {held.open.map((h) => (
                  <tr key={h.id} data-testid={`held-${h.sku}`}>
                    <td>
                      <code className="adm-sku">{h.sku}</code>
                      {h.version !== null ? <span className="adm-muted"> #{h.version}</span> : null}
                    </td>
                    <td>
                      {HELD_KIND[h.kind]}
                      <br />
                      <span className="adm-muted" title={h.error}>
                        {h.error.length > 140 ? `${h.error.slice(0, 140)}…` : h.error}
                      </span>
                    </td>
                    <td className="adm-muted">{describeHeld(h)}</td>
                    <td title={formatDateTime(h.quarantinedAt)}>{formatRelative(h.quarantinedAt, now)}</td>
                    <td className="adm-alerts__action">
                      <ResolveHeldChange id={h.id} sku={h.sku} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {held.resolved.length > 0 ? (
          <details className="adm-held-resolved">
            <summary>Recently resolved ({held.resolved.length})</summary>
            <ul>
              {held.resolved.map((h) => (
                <li key={h.id}>
                  <code className="adm-sku">{h.sku}</code> {h.version !== null ? `#${h.version}` : ""} — {h.resolutionNote}{" "}
                  <span className="adm-muted">
                    ({h.resolvedBy ?? "someone"}, {h.resolvedAt ? formatDateTime(h.resolvedAt) : "–"})
                  </span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>

      <section className="adm-box" aria-labelledby="runs-title">
        <div className="adm-box__head">
          <h2 id="runs-title" className="adm-box__title">
            Recent checks
          </h2>
          <p className="adm-muted">{runs.length === 1 ? "The only run so far." : `The last ${runs.length} runs, newest first.`}</p>
        </div>
        {runs.length === 0 ? (
          <div className="adm-empty">
            <Icon name="reconcile" />
            <p>No checks yet.</p>
          </div>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table" data-testid="runs-table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col" className="adm-table__wide">
                    Trigger
                  </th>
                  <th scope="col" className="adm-num">
                    SKUs
                  </th>
                  <th scope="col" className="adm-num">
                    Drifted
                  </th>
                  <th scope="col" className="adm-num">
                    Repaired
                  </th>
                  <th scope="col" className="adm-table__wide adm-num">
                    Took
                  </th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td className="adm-table__nowrap" title={formatDateTime(r.startedAt)}>
                      {formatRelative(r.startedAt, now)}
                    </td>
                    <td className="adm-table__wide adm-muted">
                      {TRIGGERS[r.trigger]}
                      {r.actor && r.trigger !== "schedule" ? ` · ${r.actor}` : ""}
                    </td>
                    <td className="adm-num">{r.skus}</td>
                    <td className="adm-num">{r.drifted > 0 ? <strong className="adm-rec-bad">{r.drifted}</strong> : 0}</td>
                    <td className="adm-num">{r.repaired}</td>
                    <td className="adm-table__wide adm-num adm-muted">
                      {r.finishedAt ? `${Math.max(1, r.finishedAt.getTime() - r.startedAt.getTime())} ms` : "running"}
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

const HELD_KIND: Record<QuarantinedEventView["kind"], string> = {
  refused: "The ledger could not store it",
  version_collision: "Same number as a recorded change, different figures",
};

/** One line about what the held change did, from its recorded fields (cut: a field may be long). */
function describeHeld(h: QuarantinedEventView): string {
  const f = h.fields;
  const cut = (s: string | undefined, n = 80) => (s === undefined ? "–" : s.length > n ? `${s.slice(0, n)}…` : s);
  return `${cut(f.type, 20)} ${cut(f.delta, 20)} → on hand ${cut(f.onHand, 20)}${f.reason ? `, “${cut(f.reason)}”` : ""}${f.actor ? ` by ${cut(f.actor, 60)}` : ""}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
