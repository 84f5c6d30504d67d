// The ledger's quarantine (invariant 9): a stock event the ledger cannot take as it is, kept
// whole in its own table so the persister can move past it and the SKU's later events keep
// flowing. Two kinds: `refused` (Postgres refused the row: NUL in a text, a count beyond
// `integer`, a SKU the catalog lacks…) and `version_collision` (the ledger already has that
// SKU and version with a different payload — after a partial Redis loss, say). Each is shown in
// the back office, raises an alert, and counts in /api/health until a person resolves it.
import { randomUUID } from "node:crypto";
import { raiseAlert, type AdminAlert } from "../backoffice/alerts";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { assertStorableText, isPgInt } from "../shared/validation";

export type QuarantineKind = "refused" | "version_collision";

/** One stream entry the persister could not write to the ledger. */
export interface QuarantineCandidate {
  streamId: string;
  /** The entry's raw field list, as XRANGE returned it. */
  fields: string[];
  kind: QuarantineKind;
  error: string;
}

export interface QuarantinedEventView {
  id: string;
  sku: string;
  streamId: string;
  kind: QuarantineKind;
  version: number | null;
  /** The entry's fields (values Postgres could not hold are escaped; `sanitized` names them). */
  fields: Record<string, string>;
  sanitized: string[];
  error: string;
  quarantinedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

// Postgres error classes that mean "this row", not "this server": 22 data exception (NUL,
// integer out of range, bad date), 23 integrity constraint violation (an unknown SKU).
const DATA_SQLSTATE = /^2[23]/;
// Prisma's own codes for the same, when no SQLSTATE comes with the error.
const DATA_PRISMA_CODES = new Set([
  "P2000",
  "P2003",
  "P2005",
  "P2006",
  "P2007",
  "P2011",
  "P2012",
  "P2019",
  "P2020",
  "P2023",
  "P2033",
  "P2039",
]);

/**
 * True when Postgres (or Prisma before it) refused the data itself, so sending the same row
 * again can never succeed. Anything else — an unreachable server, a dropped connection, a
 * timeout, an error we do not recognise — is not: the row must be retried later, never
 * quarantined, or an outage would empty the ledger into the quarantine.
 */
export function isDataError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; meta?: unknown };
  // Checked by name, not instanceof: Next.js may bundle more than one copy of the client.
  if (e.name === "PrismaClientValidationError") return true;
  if (e.name !== "PrismaClientKnownRequestError") return false;
  const cause = (e.meta as { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } | undefined)?.driverAdapterError
    ?.cause;
  const sqlState = typeof cause?.originalCode === "string" ? cause.originalCode : typeof cause?.code === "string" ? cause.code : null;
  if (sqlState) return DATA_SQLSTATE.test(sqlState);
  return typeof e.code === "string" && DATA_PRISMA_CODES.has(e.code);
}

/** The database's own sentence for an error (Prisma's message also quotes our source code). */
export function errorSummary(err: unknown): string {
  const e = err as {
    meta?: { driverAdapterError?: { cause?: { originalMessage?: unknown; message?: unknown } } };
    code?: unknown;
    message?: unknown;
  };
  const cause = e?.meta?.driverAdapterError?.cause;
  const text =
    typeof cause?.originalMessage === "string"
      ? cause.originalMessage
      : typeof cause?.message === "string"
        ? cause.message
        : typeof e?.message === "string"
          ? (e.message.trim().split("\n").filter(Boolean).at(-1) ?? e.message)
          : String(err);
  return `${typeof e?.code === "string" ? `${e.code}: ` : ""}${text}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string jsonb can hold: NUL and lone surrogates written out as `\u0000`-style text. */
function storable(value: string): { text: string; changed: boolean } {
  const text = value
    .replace(/\\u/g, "\\\\u") // so an escape we write can be told from one that was there
    .replace(/\u0000/g, "\\u0000")
    .replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return { text, changed: text !== value };
}

/** A stream entry's fields as the quarantine stores them (exported for tests). */
export function quarantinePayload(fields: string[]): { fields: Record<string, string>; sanitized: string[] } {
  const out: Record<string, string> = {};
  const sanitized: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = storable(fields[i]!);
    const value = storable(fields[i + 1]!);
    out[name.text] = value.text;
    if (name.changed || value.changed) sanitized.push(name.text);
  }
  return { fields: out, sanitized };
}

/**
 * Keep entries of one SKU in the quarantine (idempotent per SKU, stream entry and kind, so two
 * persisters racing store each once) and raise the SKU's alert. Returns how many rows are new
 * and the alert, when one was opened by this call.
 */
export async function quarantineEntries(
  deps: Pick<Deps, "db">,
  sku: string,
  entries: QuarantineCandidate[],
): Promise<{ quarantined: number; alert: AdminAlert | null }> {
  if (entries.length === 0) return { quarantined: 0, alert: null };
  const data = entries.map((e) => {
    const payload = quarantinePayload(e.fields);
    const version = Number(payload.fields.version);
    return {
      id: randomUUID(),
      sku,
      streamId: e.streamId,
      kind: e.kind,
      version: isPgInt(version) ? version : null,
      payload,
      error: storable(e.error.slice(0, 2_000)).text,
    };
  });
  const { count } = await deps.db.quarantinedEvent.createMany({ data, skipDuplicates: true });
  // Raised whenever the SKU has a held change not yet resolved, not only when this call added a
  // row: a death between the rows and the alert would otherwise leave the retry (which adds no
  // row) without one. raiseAlert is idempotent while an alert of the kind is open.
  const unresolved = count > 0 || (await deps.db.quarantinedEvent.count({ where: { sku, resolvedAt: null } })) > 0;
  const alert = unresolved ? await raiseAlert(deps, { sku, kind: "event_held", available: 0, threshold: 0 }) : null;
  return { quarantined: count, alert };
}

type Row = Awaited<ReturnType<Deps["db"]["quarantinedEvent"]["findFirstOrThrow"]>>;

function toView(row: Row): QuarantinedEventView {
  const payload = (row.payload ?? {}) as { fields?: Record<string, string>; sanitized?: string[] };
  return {
    id: row.id,
    sku: row.sku,
    streamId: row.streamId,
    kind: row.kind === "version_collision" ? "version_collision" : "refused",
    version: row.version,
    fields: payload.fields ?? {},
    sanitized: payload.sanitized ?? [],
    error: row.error,
    quarantinedAt: row.quarantinedAt,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
    resolutionNote: row.resolutionNote,
  };
}

/** Open quarantined events (oldest first) and the last few resolved ones (newest first). */
export async function quarantineBoard(
  deps: Pick<Deps, "db">,
  resolvedToShow = 20,
): Promise<{ open: QuarantinedEventView[]; resolved: QuarantinedEventView[] }> {
  const [open, resolved] = await Promise.all([
    deps.db.quarantinedEvent.findMany({
      where: { resolvedAt: null },
      orderBy: [{ quarantinedAt: "asc" }, { sku: "asc" }, { streamId: "asc" }],
      take: 500,
    }),
    deps.db.quarantinedEvent.findMany({ where: { resolvedAt: { not: null } }, orderBy: { resolvedAt: "desc" }, take: resolvedToShow }),
  ]);
  return { open: open.map(toView), resolved: resolved.map(toView) };
}

/** How many quarantined events wait for a person. */
export async function openQuarantineCount(deps: Pick<Deps, "db">): Promise<number> {
  return deps.db.quarantinedEvent.count({ where: { resolvedAt: null } });
}

export const RESOLUTION_NOTE_MAX = 500;

/**
 * Mark a quarantined event resolved by `actor`, with what was done about it (recorded with the
 * time: the audit of the decision). Resolving one already resolved keeps the first decision.
 * When the SKU has no open quarantined event left, its alert is acknowledged too.
 */
export async function resolveQuarantinedEvent(
  deps: Pick<Deps, "db">,
  input: { id: string; actor: string; note: string },
  now = new Date(),
): Promise<QuarantinedEventView> {
  try {
    assertStorableText("The note", input.note, { max: RESOLUTION_NOTE_MAX, multiline: true });
  } catch (err) {
    throw new DomainError("invalid_request", (err as Error).message);
  }
  const note = input.note.trim();
  if (!note) throw new DomainError("invalid_request", "Say what was done about this change (a note is required).");
  await deps.db.quarantinedEvent.updateMany({
    where: { id: input.id, resolvedAt: null },
    data: { resolvedAt: now, resolvedBy: input.actor, resolutionNote: note },
  });
  const row = await deps.db.quarantinedEvent.findUnique({ where: { id: input.id } });
  if (!row) throw new DomainError("not_found", "No such held change.");
  if ((await deps.db.quarantinedEvent.count({ where: { sku: row.sku, resolvedAt: null } })) === 0) {
    await deps.db.alert.updateMany({
      where: { sku: row.sku, kind: "event_held", acknowledgedAt: null },
      data: { acknowledgedAt: now, acknowledgedBy: input.actor },
    });
  }
  return toView(row);
}
