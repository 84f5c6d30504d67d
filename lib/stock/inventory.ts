// Stock levels and staff changes to them. Every change runs as one Lua script that checks,
// changes and records the event atomically (see lib/scripts/lua/).
import { randomUUID } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { SKU_PATTERN } from "../core/keys";
import { isPgInt, PG_INT_MAX } from "../shared/validation";
import type { Availability, StockLevel } from "../shared/types";
import { adjustCounters, setCounters, type StockKeys } from "../scripts";

export interface Actor {
  source: string;
  actor?: string | null;
}

function toLevel(sku: string, fields: (string | null)[]): StockLevel | null {
  const [onHand, reserved, safety, version, low] = fields;
  if (onHand == null) return null;
  const on = Number(onHand);
  const res = Number(reserved ?? 0);
  const saf = Number(safety ?? 0);
  return {
    sku,
    onHand: on,
    reserved: res,
    safety: saf,
    available: on - res - saf,
    version: Number(version ?? 0),
    lowStockThreshold: Number(low ?? 5),
  };
}

const LEVEL_FIELDS = ["onHand", "reserved", "safety", "version", "low"] as const;

/** Current stock of one SKU, or null when Redis does not know it. */
export async function stockLevel(deps: Deps, sku: string): Promise<StockLevel | null> {
  const fields = await deps.redis.hmget(deps.keys.stock(sku), ...LEVEL_FIELDS);
  return toLevel(sku, fields);
}

/** Current stock of many SKUs in one round trip; unknown SKUs are left out. */
export async function stockLevels(deps: Deps, skus: readonly string[]): Promise<Map<string, StockLevel>> {
  const out = new Map<string, StockLevel>();
  if (skus.length === 0) return out;
  const pipeline = deps.redis.pipeline();
  for (const sku of skus) pipeline.hmget(deps.keys.stock(sku), ...LEVEL_FIELDS);
  const replies = (await pipeline.exec()) ?? [];
  replies.forEach(([err, fields], i) => {
    const sku = skus[i];
    if (err || !sku) return;
    const level = toLevel(sku, fields as (string | null)[]);
    if (level) out.set(sku, level);
  });
  return out;
}

/** The compact availability snapshot the storefront and the socket gateway send. */
export async function availabilityOf(deps: Deps, skus: readonly string[]): Promise<Availability[]> {
  const levels = await stockLevels(deps, skus);
  return skus.flatMap((sku) => {
    const l = levels.get(sku);
    return l ? [{ sku, available: Math.max(0, l.available), version: l.version }] : [];
  });
}

export function assertSku(sku: string): void {
  if (!SKU_PATTERN.test(sku)) {
    throw new DomainError("invalid_request", `"${sku.slice(0, 80)}" is not a valid SKU code.`);
  }
}

export type AdjustmentType = "adjust" | "restock" | "channel";

export interface Adjustment extends Actor {
  sku: string;
  delta: number;
  reason: string;
  type?: AdjustmentType;
  /**
   * Identifies this change across retries: the same id is applied once (a second call answers
   * as the first did). Generate it once per request; without one, each call is its own change
   * (still safe against ioredis re-sending the same call after a reconnect).
   */
  operationId?: string;
}

/** The 400 for a change that would put on-hand beyond what the ledger's integer can hold. */
function onHandOutOfRange(sku: string, maxIncrease: number): DomainError {
  return new DomainError(
    "invalid_request",
    `On-hand stock of ${sku} can grow by at most ${maxIncrease} more: it is limited to ${PG_INT_MAX.toLocaleString("en")} units.`,
    { reason: "on_hand_out_of_range", maxIncrease },
  );
}

/** The 422 for an operation id (an Idempotency-Key) reused for a different change. */
export function operationReused(operationId: string): DomainError {
  return new DomainError("idempotency_key_reused", `Operation ${operationId.slice(0, 80)} was used before for a different change.`);
}

/** A SKU's keys as the stock scripts take them. */
function stockKeys(deps: Deps, sku: string): StockKeys {
  return { stock: deps.keys.stock(sku), events: deps.keys.events(sku), ops: deps.keys.stockOps(sku), opsAt: deps.keys.stockOpsAt(sku) };
}

/** Change physical stock by a delta; refused if it would undercut held units plus safety. */
export async function adjustStock(deps: Deps, input: Adjustment): Promise<StockLevel> {
  assertSku(input.sku);
  if (!isPgInt(input.delta) || input.delta === 0) {
    throw new DomainError("invalid_request", `delta must be a non-zero whole number between -${PG_INT_MAX} and ${PG_INT_MAX}.`);
  }
  const type = input.type ?? (input.delta > 0 ? "restock" : "adjust");
  const operationId = input.operationId ?? randomUUID();
  const adjusted = await adjustCounters(deps.redis, stockKeys(deps, input.sku), {
    sku: input.sku,
    delta: input.delta,
    type,
    reason: input.reason,
    source: input.source,
    actor: input.actor ?? "",
    channel: deps.keys.eventsChannel,
    operationId,
  });
  if (adjusted.result === "unknown_sku") throw new DomainError("unknown_sku", `No SKU ${input.sku}.`);
  if (adjusted.result === "below_reserved") {
    throw new DomainError(
      "stock_below_reserved",
      `On-hand stock of ${input.sku} can drop by at most ${adjusted.limit} now: the rest is held by shoppers or kept as safety stock.`,
      { maxDecrease: adjusted.limit },
    );
  }
  if (adjusted.result === "out_of_range") throw onHandOutOfRange(input.sku, adjusted.limit);
  if (adjusted.result === "operation_reused") throw operationReused(operationId);
  const level = await stockLevel(deps, input.sku);
  if (!level) throw new DomainError("unknown_sku", `No SKU ${input.sku}.`);
  return level;
}

export interface StockSetting extends Actor {
  sku: string;
  onHand: number;
  safety: number;
  lowStockThreshold: number;
  location?: string;
  reason?: string;
  /** For a SKU new to Redis: the ledger's last version, so versions continue. */
  startVersion?: number;
  /** As for adjustStock: the same id sets once (re-sent later, an absolute value would undo newer changes). */
  operationId?: string;
}

/** Create a SKU's counters or set them to absolute values. */
export async function setStock(deps: Deps, input: StockSetting): Promise<StockLevel> {
  assertSku(input.sku);
  const outOfRange = () => new DomainError("invalid_request", `onHand and safety must be whole numbers from 0 to ${PG_INT_MAX}.`);
  if (!isPgInt(input.onHand) || input.onHand < 0 || !isPgInt(input.safety) || input.safety < 0) throw outOfRange();
  const operationId = input.operationId ?? randomUUID();
  const set = await setCounters(deps.redis, stockKeys(deps, input.sku), {
    sku: input.sku,
    onHand: input.onHand,
    safety: input.safety,
    lowStockThreshold: input.lowStockThreshold,
    location: input.location ?? "main",
    reason: input.reason ?? "",
    source: input.source,
    actor: input.actor ?? "",
    channel: deps.keys.eventsChannel,
    startVersion: input.startVersion ?? 0,
    operationId,
  });
  if (set.result === "out_of_range") throw outOfRange();
  if (set.result === "operation_reused") throw operationReused(operationId);
  if (set.result === "below_reserved") {
    const current = await stockLevel(deps, input.sku);
    throw new DomainError(
      "stock_below_reserved",
      `On-hand stock of ${input.sku} cannot be set below ${(current?.reserved ?? 0) + input.safety} (held units plus safety stock).`,
    );
  }
  await deps.redis.sadd(deps.keys.skuIndex, input.sku);
  const level = await stockLevel(deps, input.sku);
  if (!level) throw new DomainError("unknown_sku", `No SKU ${input.sku}.`);
  return level;
}

/** Every SKU code Redis holds counters for. */
export async function knownSkus(deps: Deps): Promise<string[]> {
  return (await deps.redis.smembers(deps.keys.skuIndex)).sort();
}
