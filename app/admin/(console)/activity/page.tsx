import type { Metadata } from "next";
import Link from "next/link";
import { ActivityFeed } from "@/components/admin/activity/activity-feed";
import { EVENT_LABELS } from "@/components/admin/activity/event-row";
import { Icon } from "@/components/admin/icons";
import { auditQuery, filterOf, listEvents, queryRecord, STOCK_EVENT_TYPES, type AuditPage, type AuditQuery } from "@/lib/backoffice";
import { requireStaffPage } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

export const metadata: Metadata = { title: "Activity" };

const SOURCES = ["storefront", "api", "admin", "admin-api", "channel", "expiry-worker", "rebuild", "reconciliation"];
const PAGE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** `2026-11-23T10:15` for a datetime-local input (the back office works in UTC). */
function localValue(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 16) : "";
}

/** The filters as a query string (without the cursor), for links and the CSV export. */
function filterQuery(q: AuditQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.sku) p.set("sku", q.sku);
  if (q.type?.length) p.set("type", q.type.join(","));
  if (q.source) p.set("source", q.source);
  if (q.from) p.set("from", q.from.toISOString());
  if (q.to) p.set("to", q.to.toISOString());
  return p;
}

export default async function ActivityPage({ searchParams }: Props) {
  await requireStaffPage("merchandiser");
  const raw = queryRecord(await searchParams);
  const parsed = auditQuery.safeParse(raw);
  const q: AuditQuery = parsed.success ? parsed.data : {};
  const problem = parsed.success ? null : parsed.error.issues[0];
  const filter = filterOf(q);
  let page: AuditPage | null = null;
  try {
    page = await listEvents(appDeps(), filter, { after: q.after, limit: PAGE });
  } catch (err) {
    logger.error("[admin] activity unavailable", err);
  }
  const base = filterQuery(q);
  const qs = base.toString();
  const csvHref = `/api/v1/admin/events.csv${qs ? `?${qs}` : ""}`;
  const olderHref = page?.next ? `/admin/activity?${new URLSearchParams([...base, ["after", page.next]]).toString()}` : null;
  const filtered = qs !== "";
  const sources = q.source && !SOURCES.includes(q.source) ? [...SOURCES, q.source] : SOURCES;
  const type = q.type?.length === 1 ? q.type[0] : (q.type?.join(",") ?? "");

  return (
    <div className="adm-page adm-page--wide" data-testid="admin-activity">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Inventory</p>
          <h1 className="adm-title">Activity</h1>
          <p className="adm-lead">
            Every stock event — holds, sales, adjustments, channel updates — with who made it and why, straight from the ledger. Filters are
            in the address, so a filtered view can be shared.
          </p>
        </div>
        <a href={csvHref} className="adm-button adm-button--secondary" download data-testid="export-csv">
          <svg
            className="adm-icon"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.7"
            strokeLinecap="round"
            strokeLinejoin="round"
            aria-hidden="true"
          >
            <path d="M12 4v11M7.5 10.5 12 15l4.5-4.5M5 19h14" />
          </svg>
          Export CSV
        </a>
      </header>

      <form
        method="get"
        action="/admin/activity"
        className="adm-filters"
        role="search"
        aria-label="Filter events"
        data-testid="activity-filters"
      >
        <div className="adm-field">
          <label htmlFor="f-sku" className="adm-label">
            SKU
          </label>
          <input
            id="f-sku"
            name="sku"
            className="adm-input adm-input--mono"
            defaultValue={q.sku ?? ""}
            placeholder="TEE-ORG-BLK-M"
            autoComplete="off"
            spellCheck={false}
            data-testid="filter-sku"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="f-type" className="adm-label">
            Event
          </label>
          <select id="f-type" name="type" className="adm-input adm-select" defaultValue={type} data-testid="filter-type">
            <option value="">All events</option>
            <option value="adjust,restock,set">Staff changes</option>
            <option value="hold,release,expire">Holds</option>
            {STOCK_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {EVENT_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="adm-field">
          <label htmlFor="f-source" className="adm-label">
            Source
          </label>
          <select id="f-source" name="source" className="adm-input adm-select" defaultValue={q.source ?? ""} data-testid="filter-source">
            <option value="">Any source</option>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="adm-field">
          <label htmlFor="f-from" className="adm-label">
            From (UTC)
          </label>
          <input id="f-from" name="from" type="datetime-local" className="adm-input" defaultValue={localValue(q.from)} />
        </div>
        <div className="adm-field">
          <label htmlFor="f-to" className="adm-label">
            To (UTC)
          </label>
          <input id="f-to" name="to" type="datetime-local" className="adm-input" defaultValue={localValue(q.to)} />
        </div>
        <div className="adm-filters__actions">
          <button type="submit" className="adm-button adm-button--primary" data-testid="filter-apply">
            Apply
          </button>
          {filtered ? (
            <Link href="/admin/activity" className="adm-button adm-button--quiet">
              Clear
            </Link>
          ) : null}
        </div>
      </form>

      {problem ? (
        <p className="adm-alert adm-alert--error" role="status" data-testid="filter-error">
          <Icon name="alert" />
          <span>
            The filter {problem.path.join(".") ? <code>{problem.path.join(".")}</code> : null} {problem.message}; showing every event
            instead.
          </span>
        </p>
      ) : null}

      {page === null ? (
        <p className="adm-alert adm-alert--error" role="status">
          <Icon name="alert" />
          <span>The activity log is unavailable right now: the database did not answer.</span>
        </p>
      ) : (
        <>
          <ActivityFeed
            key={`${qs}|${q.after ? "older" : "first"}`}
            initial={page.events}
            filter={{ sku: filter.sku, types: filter.types, source: filter.source, from: filter.from?.getTime(), to: filter.to?.getTime() }}
            live={!q.after && (!q.to || q.to.getTime() > Date.now())}
            serverNow={Date.now()}
          />
          <div className="adm-pager">
            {q.after ? (
              <Link
                href={`/admin/activity${qs ? `?${qs}` : ""}`}
                className="adm-button adm-button--quiet adm-button--small"
                data-testid="events-newest"
              >
                ← Newest
              </Link>
            ) : (
              <span />
            )}
            {olderHref ? (
              <Link href={olderHref} className="adm-button adm-button--secondary adm-button--small" data-testid="events-older">
                Older events →
              </Link>
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}
