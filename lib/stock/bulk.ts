// Bulk stock sync: an ERP or a merchandiser's CSV sends up to 10,000 levels at once (counts or
// movements). Rows are grouped by SKU and each group is one Lua script (bulk-stock-4.lua): all
// of a SKU's rows apply together or none do, so no SKU is ever half-synced. Groups are
// independent: one SKU refused leaves the others applied, and the answer says so row by row.
//
// Idempotency, thinking like the failure: the request's Idempotency-Key names the whole sync and
// every SKU group gets an operation id derived from it. If the process dies after some groups
// applied, the client's retry with the same key and body re-runs every group: those that applied
// answer their first reply again (the script's operation record), the rest apply now. The same
// key with a different body is refused before anything runs (the request fingerprint below).
import { createHash } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { applyBulkRows, type BulkRow, type BulkStockOutcome } from "../scripts";
import { BULK_MAX_ROWS, bulkRowProblem, type BulkRowInput } from "../shared/bulk-rows";
import { operationReused } from "./inventory";

/** How long a sync's key is remembered: as long as the scripts keep their operation records. */
const BULK_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** SKU groups in flight at once: enough to keep Redis busy, few enough to bound memory. */
const GROUPS_IN_FLIGHT = 128;

export type BulkRowStatus = "applied" | "unchanged" | "refused";
export type BulkRowCode = "invalid_row" | "unknown_sku" | "stock_below_reserved" | "on_hand_out_of_range" | "sku_refused";

export interface BulkRowResult {
  /** The row's position in the request (0-based). */
  index: number;
  /** The SKU as read (upper-cased), or null when the row has none that could be read. */
  sku: string | null;
  status: BulkRowStatus;
  code?: BulkRowCode;
  message?: string;
  /** The SKU's counters after its rows (applied or unchanged). */
  onHand?: number;
  available?: number;
  version?: number;
}

export interface BulkSyncResult {
  rows: number;
  skus: number;
  applied: number;
  unchanged: number;
  refused: number;
  results: BulkRowResult[];
}

export interface BulkSyncInput {
  rows: readonly unknown[];
  /** Who sent it (the staff member or token); part of the key's scope. */
  actor: string;
  source: string;
  idempotencyKey: string;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** The script's row for a valid input row: defaults follow the single-SKU routes. */
export function toScriptRow(row: BulkRowInput): BulkRow {
  const count = row.onHand !== undefined;
  const reason = row.reason ?? (count ? "recount" : "correction");
  const type = count ? "set" : reason === "received" ? "restock" : reason === "channel" ? "channel" : "adjust";
  return {
    kind: count ? "count" : "delta",
    value: count ? row.onHand! : row.delta!,
    type,
    reason: row.note ? `${reason}: ${row.note}` : reason,
  };
}

/** The sku of a raw row if it can be read at all, for grouping a row that is otherwise invalid. */
function rawSku(raw: unknown): string | null {
  if (raw && typeof raw === "object" && "sku" in raw && typeof raw.sku === "string") {
    const sku = raw.sku.trim().toUpperCase();
    return sku.length > 0 && sku.length <= 64 ? sku : null;
  }
  return null;
}

/** Check rows without changing anything: what the Import screen's preview shows. */
export function checkBulkRows(rows: readonly unknown[]): { index: number; sku: string | null; ok: boolean; message?: string }[] {
  return rows.map((raw, index) => {
    const checked = bulkRowProblem(raw);
    return checked.ok ? { index, sku: checked.row.sku, ok: true } : { index, sku: rawSku(raw), ok: false, message: checked.message };
  });
}

async function inBatches<T>(items: readonly T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

function refusal(
  outcome: Exclude<BulkStockOutcome, { result: "applied" | "unchanged" }>,
  sku: string,
): { code: BulkRowCode; message: string } {
  switch (outcome.result) {
    case "unknown_sku":
      return { code: "unknown_sku", message: `No SKU ${sku}.` };
    case "below_reserved":
      return {
        code: "stock_below_reserved",
        message: `On-hand stock of ${sku} can drop by at most ${outcome.limit} at this row: the rest is held by shoppers or kept as safety stock.`,
      };
    case "out_of_range":
      return { code: "on_hand_out_of_range", message: `On-hand stock of ${sku} can grow by at most ${outcome.limit} more at this row.` };
    case "operation_reused":
      // The request fingerprint already matched, so only a hash collision could land here.
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was used before for different rows.");
  }
}

/**
 * Apply a bulk sync. Rows that fail validation refuse their SKU's group (nothing of that SKU
 * changes); rows are otherwise applied in request order within their SKU.
 */
export async function bulkSync(deps: Deps, input: BulkSyncInput): Promise<BulkSyncResult> {
  if (input.rows.length === 0 || input.rows.length > BULK_MAX_ROWS) {
    throw new DomainError("invalid_request", `Send 1 to ${BULK_MAX_ROWS.toLocaleString("en")} rows per request.`);
  }
  // The same key with other rows must not apply anything: fix the body's fingerprint first.
  const scope = sha256(`${input.actor}\u0000${input.idempotencyKey}`);
  const fingerprint = sha256(JSON.stringify(input.rows));
  const stored = await deps.redis.set(deps.keys.bulkSync(scope), fingerprint, "PX", BULK_KEY_TTL_MS, "NX");
  if (stored !== "OK") {
    const first = await deps.redis.get(deps.keys.bulkSync(scope));
    if (first !== null && first !== fingerprint) throw operationReused(input.idempotencyKey);
  }

  const results: BulkRowResult[] = new Array(input.rows.length);
  const groups = new Map<string, { indexes: number[]; rows: BulkRowInput[]; invalid: boolean }>();
  input.rows.forEach((raw, index) => {
    const checked = bulkRowProblem(raw);
    const sku = checked.ok ? checked.row.sku : rawSku(raw);
    if (!checked.ok) results[index] = { index, sku, status: "refused", code: "invalid_row", message: checked.message };
    if (sku === null) return;
    const group = groups.get(sku) ?? { indexes: [], rows: [], invalid: false };
    group.indexes.push(index);
    if (checked.ok) group.rows.push(checked.row);
    else group.invalid = true;
    groups.set(sku, group);
  });

  await inBatches([...groups], GROUPS_IN_FLIGHT, async ([sku, group]) => {
    if (group.invalid) {
      for (const index of group.indexes) {
        results[index] ??= {
          index,
          sku,
          status: "refused",
          code: "sku_refused",
          message: `Not applied: another row of ${sku} is invalid.`,
        };
      }
      return;
    }
    const rows = group.rows.map(toScriptRow);
    const outcome = await applyBulkRows(
      deps.redis,
      { stock: deps.keys.stock(sku), events: deps.keys.events(sku), ops: deps.keys.stockOps(sku), opsAt: deps.keys.stockOpsAt(sku) },
      {
        sku,
        rows,
        source: input.source,
        actor: input.actor,
        channel: deps.keys.eventsChannel,
        operationId: `bulk:${scope}:${sku}`,
        fingerprint: sha256(JSON.stringify(rows)),
      },
    );
    if ("onHand" in outcome) {
      const { onHand, available, version, result } = outcome;
      for (const index of group.indexes)
        results[index] = { index, sku, status: result, onHand, available: Math.max(0, available), version };
      return;
    }
    const why = refusal(outcome, sku);
    const culprit = "row" in outcome ? group.indexes[outcome.row - 1] : undefined;
    for (const index of group.indexes) {
      results[index] =
        culprit === undefined || index === culprit
          ? { index, sku, status: "refused", ...why }
          : { index, sku, status: "refused", code: "sku_refused", message: `Not applied: row ${culprit + 1} of ${sku} was refused.` };
    }
  });

  const count = (s: BulkRowStatus) => results.reduce((n, r) => n + (r.status === s ? 1 : 0), 0);
  return {
    rows: input.rows.length,
    skus: groups.size,
    applied: count("applied"),
    unchanged: count("unchanged"),
    refused: count("refused"),
    results,
  };
}
