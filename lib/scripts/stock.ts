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
