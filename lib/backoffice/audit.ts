// The audit trail: stock events read back from the Postgres ledger, newest first, filtered and
// keyset-paginated (a cursor names the last event seen, so pages never skip or repeat an event
// while new ones keep arriving at the top), and the same as CSV.
import { z } from "zod";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { SKU_PATTERN } from "../core/keys";
import { STOCK_EVENT_TYPES } from "../events/codec";
import { storableText } from "../shared/validation";
import type { StockEvent, StockEventType } from "../shared/types";

// The event types are the codec's (one list for the ledger, the live readers and this filter).
export { STOCK_EVENT_TYPES };

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

export interface AuditFilter {
  sku?: string;
  types?: StockEventType[];
  source?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

export interface AuditCursor {
  at: number;
  sku: string;
  version: number;
}

export interface AuditPage {
  events: StockEvent[];
  /** Pass as `after` for the next (older) page; null on the last page. */
  next: string | null;
}

/** An opaque cursor for the event just after which the next page starts. */
export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(`${c.at}:${c.sku}:${c.version}`, "utf8").toString("base64url");
}

/** The cursor inside an `after` value, or null when it is not one of ours. */
export function decodeCursor(value: string): AuditCursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return null;
  const match = /^(\d{1,15}):([A-Z0-9][A-Z0-9._-]{0,63}):(\d{1,10})$/.exec(Buffer.from(value, "base64url").toString("utf8"));
  if (!match) return null;
  return { at: Number(match[1]), sku: match[2]!, version: Number(match[3]) };
}

/** An ISO 8601 time (no offset means UTC, as the back office shows times) or epoch milliseconds. */
const instant = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const date = /^\d{1,15}$/.test(s) ? new Date(Number(s)) : parseIso(s);
    if (!date || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or milliseconds since the epoch" });
      return z.NEVER;
    }
    return date;
  });

function parseIso(s: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) return null;
  return new Date(`${m[1]}T${m[2] ?? "00:00"}${m[3] ?? "Z"}`);
}

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/** The query string of GET /api/v1/admin/events(.csv) and of the Activity screen. */
export const auditQuery = z
  .strictObject({
    sku: z.preprocess(blankToUndefined, z.string().trim().toUpperCase().regex(SKU_PATTERN, "must be a SKU code").optional()),
    type: z.preprocess(
      blankToUndefined,
      z
        .string()
        .transform((s) => [
          ...new Set(
            s
              .split(",")
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ])
        .pipe(z.array(z.enum(STOCK_EVENT_TYPES, `must be one or more of ${STOCK_EVENT_TYPES.join(", ")}`)).min(1))
        .optional(),
    ),
    // A filter value is sent to Postgres too: NUL in it would be a 500, not an empty page.
    source: z.preprocess(blankToUndefined, storableText({ max: 100 }).optional()),
    from: z.preprocess(blankToUndefined, instant.optional()),
    to: z.preprocess(blankToUndefined, instant.optional()),
    after: z.preprocess(
      blankToUndefined,
      z
        .string()
        .transform(
          (s, ctx) => decodeCursor(s) ?? (ctx.addIssue({ code: "custom", message: "is not a cursor from a previous page" }), z.NEVER),
        )
        .optional(),
    ),
    limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional()),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: "`from` must be before `to`", path: ["from"] });

export type AuditQuery = z.output<typeof auditQuery>;

/** A URLSearchParams (or a Next.js searchParams object) as a plain record for auditQuery. */
export function queryRecord(params: URLSearchParams | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  if (params instanceof URLSearchParams) {
    for (const [k, v] of params) out[k] ??= v;
  } else {
    for (const [k, v] of Object.entries(params)) {
      const value = Array.isArray(v) ? v[0] : v;
      if (value !== undefined) out[k] = value;
    }
  }
  return out;
}

export function filterOf(q: AuditQuery): AuditFilter {
  return { sku: q.sku, types: q.type as StockEventType[] | undefined, source: q.source, from: q.from, to: q.to };
}

type EventRow = {
  sku: string;
  version: number;
  type: string;
  location: string;
  delta: number;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  reason: string | null;
  source: string;
  actor: string | null;
  reservationId: string | null;
  at: Date;
};

function toEvent(r: EventRow): StockEvent {
  return {
    type: r.type as StockEventType,
    sku: r.sku,
    location: r.location,
    delta: r.delta,
    onHand: r.onHand,
    reserved: r.reserved,
    safety: r.safety,
    available: r.available,
    version: r.version,
    reason: r.reason,
    source: r.source,
    actor: r.actor,
    reservationId: r.reservationId,
    at: r.at.getTime(),
  };
}

function whereOf(filter: AuditFilter, after: AuditCursor | undefined) {
  const at: { gte?: Date; lt?: Date } = {};
  if (filter.from) at.gte = filter.from;
  if (filter.to) at.lt = filter.to;
  const and = [];
  if (after) {
    // Strictly older than the cursor in (at, sku, version) order: the same order as the sort.
    const cAt = new Date(after.at);
    and.push({
      OR: [{ at: { lt: cAt } }, { at: cAt, sku: { lt: after.sku } }, { at: cAt, sku: after.sku, version: { lt: after.version } }],
    });
  }
  return {
    ...(filter.sku ? { sku: filter.sku } : {}),
    ...(filter.types?.length ? { type: { in: filter.types } } : {}),
    ...(filter.source ? { source: filter.source } : {}),
    ...(at.gte || at.lt ? { at } : {}),
    ...(and.length ? { AND: and } : {}),
  };
}

/** One page of ledger events matching `filter`, newest first, starting after the cursor. */
export async function listEvents(
  deps: Pick<Deps, "db">,
  filter: AuditFilter,
  page: { after?: AuditCursor; limit?: number } = {},
): Promise<AuditPage> {
  const limit = Math.min(Math.max(page.limit ?? AUDIT_PAGE_DEFAULT, 1), AUDIT_PAGE_MAX);
  const rows = await deps.db.inventoryEvent.findMany({
    where: whereOf(filter, page.after),
    orderBy: [{ at: "desc" }, { sku: "desc" }, { version: "desc" }],
    take: limit + 1,
    omit: { persistedAt: true },
  });
  const events = rows.slice(0, limit).map(toEvent);
  const last = events.at(-1);
  return { events, next: rows.length > limit && last ? encodeCursor({ at: last.at, sku: last.sku, version: last.version }) : null };
}

/** A SKU's events in version order (oldest first), for its chart: the most recent `limit`. */
export async function skuTimeline(deps: Pick<Deps, "db">, sku: string, limit = 1000): Promise<StockEvent[]> {
  const rows = await deps.db.inventoryEvent.findMany({
    where: { sku },
    orderBy: { version: "desc" },
    take: limit,
    omit: { persistedAt: true },
  });
  return rows.reverse().map(toEvent);
}

export const CSV_COLUMNS = [
  "at",
  "sku",
  "version",
  "type",
  "location",
  "delta",
  "onHand",
  "reserved",
  "safety",
  "available",
  "reason",
  "source",
  "actor",
  "reservationId",
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (=, +, -, @ first) is prefixed with an apostrophe.
 */
export function csvField(value: string | number | null, opts: { text?: boolean } = {}): string {
  if (value === null) return "";
  let s = String(value);
  if (opts.text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One event as a CSV line (CRLF-terminated). */
export function csvLine(e: StockEvent): string {
  return (
    [
      csvField(new Date(e.at).toISOString()),
      csvField(e.sku),
      csvField(e.version),
      csvField(e.type),
      csvField(e.location, { text: true }),
      csvField(e.delta),
      csvField(e.onHand),
      csvField(e.reserved),
      csvField(e.safety),
      csvField(e.available),
      csvField(e.reason, { text: true }),
      csvField(e.source, { text: true }),
      csvField(e.actor, { text: true }),
      csvField(e.reservationId, { text: true }),
    ].join(",") + "\r\n"
  );
}

/** Every event matching `filter` as CSV, header first, read from the ledger page by page. */
export async function* eventsCsv(
  deps: Pick<Deps, "db">,
  filter: AuditFilter,
  opts: { after?: AuditCursor; pageSize?: number; max?: number } = {},
): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  let after = opts.after;
  let left = opts.max ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const page = await listEvents(deps, filter, { after, limit: Math.min(opts.pageSize ?? AUDIT_PAGE_MAX, left) });
    if (page.events.length) yield page.events.map(csvLine).join("");
    left -= page.events.length;
    if (!page.next) return;
    after = decodeCursor(page.next) ?? undefined;
  }
}

/** A filter as an `events.csv` file name, e.g. stockwire-events-TEE-ORG-BLK-M-2026-11-23.csv. */
export function csvFileName(filter: AuditFilter, now = new Date()): string {
  const parts = ["stockwire-events", filter.sku, filter.types?.join("+"), now.toISOString().slice(0, 10)].filter(Boolean);
  return `${parts.join("-")}.csv`;
}

/** Turn a zod failure of auditQuery into the API's 400. */
export function parseAuditQuery(raw: Record<string, string>): AuditQuery {
  const parsed = auditQuery.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new DomainError("invalid_request", `${where}${issue?.message ?? "invalid query"}`);
  }
  return parsed.data;
}
