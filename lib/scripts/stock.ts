// The script door (./index.ts): the stock scripts.
import { type Client } from "./client";

// ---- mark-persisted-2.lua ----------------------------------------------------------------------

/** Move a SKU's ledger cursor up to `version` and trim its stream before `keepFromId`; the cursor after the call. */
export async function markPersisted(
  redis: Client,
  req: { stockKey: string; eventsKey: string; version: number; keepFromId: string },
): Promise<number> {
  return Number(await redis.swMarkPersisted(req.stockKey, req.eventsKey, req.version, req.keepFromId));
}

// ---- adjust-4.lua, set-stock-4.lua ---------------------------------------------------------------

/** A SKU's stock keys, as every stock script takes them. */
export interface StockKeys {
  stock: string;
  events: string;
  ops: string;
  opsAt: string;
}

/** Outcomes shared by the stock scripts that apply an operation id once. */
export type StockChangeOutcome =
  | { result: "applied"; onHand: number; available: number; version: number }
  /** Nothing to change (set-stock only). */
  | { result: "unchanged"; onHand: number; available: number; version: number }
  | { result: "unknown_sku" }
  /** onHand would fall below reserved + safety; `limit`: the largest decrease allowed (adjust). */
  | { result: "below_reserved"; limit: number }
  /** onHand (or safety) would exceed a Postgres integer; `limit`: the largest increase allowed (adjust). */
  | { result: "out_of_range"; limit: number }
  /** The operation id was used before for another change; nothing changed. */
  | { result: "operation_reused" };

function stockChange(script: string, [code, onHand, available, version]: number[]): StockChangeOutcome {
  switch (code) {
    case 1:
      return { result: "applied", onHand: onHand!, available: available!, version: version! };
    case 2:
      return { result: "unchanged", onHand: onHand!, available: available!, version: version! };
    case -1:
      return { result: "unknown_sku" };
    case -3:
      return { result: "below_reserved", limit: available! };
    case -4:
      return { result: "out_of_range", limit: available! };
    case -5:
      return { result: "operation_reused" };
    default:
      throw new Error(`${script} answered an unknown code ${String(code)}`);
  }
}

export interface AdjustRequest {
  sku: string;
  delta: number;
  type: "adjust" | "restock" | "channel";
  reason: string;
  source: string;
  actor: string;
  channel: string;
  operationId: string;
}

/** Change a SKU's onHand by a delta, once per operation id. */
export async function adjustCounters(redis: Client, keys: StockKeys, req: AdjustRequest): Promise<StockChangeOutcome> {
  const reply = await redis.swAdjust(
    keys.stock,
    keys.events,
    keys.ops,
    keys.opsAt,
    req.sku,
    req.delta,
    req.type,
    req.reason,
    req.source,
    req.actor,
    req.channel,
    req.operationId,
  );
  return stockChange("adjust", reply);
}

export interface SetStockRequest {
  sku: string;
  onHand: number;
  safety: number;
  lowStockThreshold: number;
  location: string;
  reason: string;
  source: string;
  actor: string;
  channel: string;
  /** For a SKU new to Redis: the ledger's last version, so versions continue. */
  startVersion: number;
  operationId: string;
}

/** Create a SKU's counters or set them to absolute values, once per operation id. */
export async function setCounters(redis: Client, keys: StockKeys, req: SetStockRequest): Promise<StockChangeOutcome> {
  const reply = await redis.swSetStock(
    keys.stock,
    keys.events,
    keys.ops,
    keys.opsAt,
    req.sku,
    req.onHand,
    req.safety,
    req.lowStockThreshold,
    req.location,
    req.reason,
    req.source,
    req.actor,
    req.channel,
    req.startVersion,
    req.operationId,
  );
  return stockChange("set-stock", reply);
}

// ---- rebuild-3.lua -----------------------------------------------------------------------------

export type RebuildCountersOutcome =
  /** Rebuilt (an event was emitted); `available` < 0 only when sold holds alone exceed onHand − safety. */
  | { result: "rebuilt"; onHand: number; available: number; version: number }
  /** Redis already agreed with the ledger. */
  | { result: "agreed"; onHand: number; available: number; version: number }
  /** Skipped (`holds_only_since`): Redis has another event the ledger lacks; nothing changed. */
  | { result: "other_changes"; onHand: number; available: number; version: number }
  /**
   * The holds do not all fit: no counter changed; `available` is onHand − safety, `version` the
   * SKU's version now (moved up to the ledger's first when behind), `evict` the reservations
   * whose holds do not fit (never a sold one). End them, then call again (`holds_only_since` that version).
   */
  | { result: "holds_do_not_fit"; onHand: number; available: number; version: number; evict: string[] }
  /** Skipped (`version_still`): Redis's version is no longer the one seen; nothing changed. */
  | { result: "version_moved"; onHand: number; available: number; version: number };

export interface RebuildCountersRequest {
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
  channel: string;
  sku: string;
  /** onHand from the ledger. */
  onHand: number;
  safety: number;
  lowStockThreshold: number;
  location: string;
  /** The ledger's last version. */
  ledgerVersion: number;
  source: string;
  actor: string;
  reason: string;
  /** The open flash sale the SKU belongs to ("" for none): its gate is restored in the same step. */
  saleId: string;
  /**
   * When to rebuild: `always`; `holds_only_since` = only if every event Redis has after `version`
   * (the ledger's last version when "") only moved holds; `version_still` = only if Redis's
   * version is still `version`, the one the caller saw.
   */
  condition: "always" | "holds_only_since" | "version_still";
  version: string;
  /** The holds in the order they are to be kept (`keep`: a sold one, kept whatever the count). */
  ranked: readonly { reservationId: string; keep: boolean }[];
}

const REBUILD_CONDITIONS = { always: "0", holds_only_since: "1", version_still: "2" } as const;

/** Restore a SKU's counters from the ledger, if and only if every hold still fits (else change nothing and name those that do not). */
export async function rebuildCounters(redis: Client, req: RebuildCountersRequest): Promise<RebuildCountersOutcome> {
  const reply = await redis.swRebuild(
    req.stockKey,
    req.holdsKey,
    req.eventsKey,
    req.sku,
    req.onHand,
    req.safety,
    req.lowStockThreshold,
    req.location,
    req.ledgerVersion,
    req.source,
    req.actor,
    req.channel,
    req.reason,
    req.saleId,
    REBUILD_CONDITIONS[req.condition],
    req.version,
    req.ranked.length,
    ...req.ranked.flatMap((h) => [h.reservationId, h.keep ? "1" : "0"]),
  );
  const code = Number(reply[0]);
  const counters = { onHand: Number(reply[1]), available: Number(reply[2]), version: Number(reply[3]) };
  switch (code) {
    case 1:
      return { result: "rebuilt", ...counters };
    case 2:
      return { result: "agreed", ...counters };
    case 3:
      return { result: "other_changes", ...counters };
    case 4:
      return { result: "holds_do_not_fit", ...counters, evict: reply.slice(4).map(String) };
    case 5:
      return { result: "version_moved", ...counters };
    default:
      throw new Error(`rebuild answered an unknown code ${String(code)}`);
  }
}

// ---- bulk-stock-4.lua ----------------------------------------------------------------------------

export interface BulkRow {
  kind: "delta" | "count";
  value: number;
  type: "adjust" | "restock" | "channel" | "set";
  reason: string;
}

export interface BulkStockRequest {
  sku: string;
  rows: BulkRow[];
  source: string;
  actor: string;
  channel: string;
  operationId: string;
  /** What the rows ask for: the same operation id with other rows is refused. */
  fingerprint: string;
}

export type BulkStockOutcome =
  | { result: "applied" | "unchanged"; onHand: number; available: number; version: number }
  | { result: "unknown_sku" }
  /** `row`: the 1-based row (of this SKU's rows) that would break the invariant. */
  | { result: "below_reserved"; row: number; limit: number }
  | { result: "out_of_range"; row: number; limit: number }
  | { result: "operation_reused" };

/** Apply one SKU's rows of a bulk sync all together or not at all, once per operation id. */
export async function applyBulkRows(redis: Client, keys: StockKeys, req: BulkStockRequest): Promise<BulkStockOutcome> {
  const [code, a, b, c] = await redis.swBulkStock(
    keys.stock,
    keys.events,
    keys.ops,
    keys.opsAt,
    req.sku,
    req.channel,
    req.source,
    req.actor,
    req.operationId,
    req.fingerprint,
    req.rows.length,
    ...req.rows.flatMap((r) => [r.kind, r.value, r.type, r.reason]),
  );
  switch (code) {
    case 1:
    case 2:
      return { result: code === 1 ? "applied" : "unchanged", onHand: a, available: b, version: c };
    case -1:
      return { result: "unknown_sku" };
    case -3:
      return { result: "below_reserved", row: a, limit: b };
    case -4:
      return { result: "out_of_range", row: a, limit: b };
    case -5:
      return { result: "operation_reused" };
    default:
      throw new Error(`bulk-stock answered an unknown code ${String(code)}`);
  }
}
