// The back office's view of stock: every SKU's live counters (Redis) beside its catalog entry
// (Postgres), and the two settings staff change besides the count itself: safety stock and a
// product's low-stock threshold.
import { randomUUID } from "node:crypto";
import { markCatalogChanged } from "../catalog/catalog";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { assertSku, type Actor } from "./inventory";
import { defineScripts } from "../core/redis";
import { isPgInt, PG_INT_MAX } from "../shared/validation";

export interface StockRow {
  sku: string;
  productId: string;
  productName: string;
  productSlug: string;
  label: string;
  location: string;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  lowStockThreshold: number;
  version: number;
  /** When the last stock event happened (ms, Redis clock), or null before the first. */
  changedAt: number | null;
  /** False when the catalog has the SKU but Redis holds no counters for it (rebuild pending). */
  live: boolean;
}

const ROW_FIELDS = ["onHand", "reserved", "safety", "version", "low", "location", "changedAt"] as const;

/** Every catalog SKU with its live counters, ordered by product and variant position. */
export async function stockRows(deps: Deps, where: { skus?: string[] } = {}): Promise<StockRow[]> {
  const skus = await deps.db.sku.findMany({
    where: where.skus ? { code: { in: where.skus } } : {},
    include: { product: { select: { id: true, name: true, slug: true, lowStockThreshold: true } } },
    orderBy: [{ product: { name: "asc" } }, { position: "asc" }, { code: "asc" }],
  });
  if (skus.length === 0) return [];
  const pipeline = deps.redis.pipeline();
  for (const s of skus) pipeline.hmget(deps.keys.stock(s.code), ...ROW_FIELDS);
  const replies = (await pipeline.exec()) ?? [];
  return skus.map((s, i) => {
    const [err, reply] = replies[i] ?? [];
    const [onHand, reserved, safety, version, low, location, changedAt] = (err ? [] : (reply as (string | null)[])) ?? [];
    const live = onHand != null;
    const on = Number(onHand ?? 0);
    const res = Number(reserved ?? 0);
    const saf = live ? Number(safety ?? 0) : s.safety;
    return {
      sku: s.code,
      productId: s.product.id,
      productName: s.product.name,
      productSlug: s.product.slug,
      label: s.label,
      location: location ?? s.location,
      onHand: on,
      reserved: res,
      safety: saf,
      available: on - res - saf,
      lowStockThreshold: low != null ? Number(low) : s.product.lowStockThreshold,
      version: Number(version ?? 0),
      changedAt: changedAt ? Number(changedAt) : null,
      live,
    };
  });
}

/** One SKU's row, or null when the catalog does not know it. */
export async function stockRow(deps: Deps, sku: string): Promise<StockRow | null> {
  const [row] = await stockRows(deps, { skus: [sku] });
  return row ?? null;
}

export interface SafetySetting extends Actor {
  sku: string;
  safety: number;
}

/**
 * Set a SKU's safety stock, leaving on-hand untouched. The set-stock script takes absolute
 * values, so on-hand is read and written back under WATCH: if any change to the SKU lands in
 * between (a hold, an adjustment), the write is dropped and retried instead of undoing it.
 */
export async function setSafetyStock(deps: Deps, input: SafetySetting): Promise<StockRow> {
  assertSku(input.sku);
  // Safety is a Postgres integer in the catalog and in every event of the SKU.
  if (!isPgInt(input.safety) || input.safety < 0)
    throw new DomainError("invalid_request", `Safety stock must be a whole number from 0 to ${PG_INT_MAX}.`);
  const key = deps.keys.stock(input.sku);
  // WATCH belongs to a connection: a private one, so no other caller's EXEC can clear it.
  const conn = defineScripts(deps.redis.duplicate());
  let settled = false;
  try {
    for (let attempt = 0; attempt < 10 && !settled; attempt++) {
      await conn.watch(key);
      const [onHand, reserved, safety, low, location] = await conn.hmget(key, "onHand", "reserved", "safety", "low", "location");
      if (onHand == null) {
        await conn.unwatch();
        throw new DomainError("unknown_sku", `No SKU ${input.sku}.`);
      }
      if (Number(safety) === input.safety) {
        await conn.unwatch();
        settled = true;
        break;
      }
      const floor = Number(reserved ?? 0) + input.safety;
      if (Number(onHand) < floor) {
        await conn.unwatch();
        throw new DomainError(
          "stock_below_reserved",
          `Safety stock of ${input.sku} can be at most ${Math.max(0, Number(onHand) - Number(reserved ?? 0))} now: ${onHand} on hand, ${reserved ?? 0} held by shoppers.`,
        );
      }
      const result = await conn
        .multi()
        .swSetStock(
          key,
          deps.keys.events(input.sku),
          deps.keys.stockOps(input.sku),
          deps.keys.stockOpsAt(input.sku),
          input.sku,
          Number(onHand),
          input.safety,
          Number(low ?? 5),
          location ?? "main",
          `safety stock ${safety ?? 0} → ${input.safety}`,
          input.source,
          input.actor ?? "",
          deps.keys.eventsChannel,
          0,
          randomUUID(),
        )
        .exec();
      if (result === null) continue; // the SKU changed under us: read again
      const [err, reply] = result[0] ?? [];
      if (err) throw err;
      if ((reply as number[])[0] === -3) continue;
      settled = true;
    }
  } finally {
    conn.disconnect();
  }
  if (!settled) throw new DomainError("request_in_progress", `${input.sku} is changing too fast right now; try again in a moment.`);
  // The catalog keeps safety too: a rebuild from the ledger restores it from there.
  await deps.db.sku.updateMany({ where: { code: input.sku }, data: { safety: input.safety } });
  await markCatalogChanged(deps);
  const row = await stockRow(deps, input.sku);
  if (!row) throw new DomainError("unknown_sku", `No SKU ${input.sku}.`);
  return row;
}

/**
 * Set a product's low-stock threshold (Postgres) and copy it to its SKUs' counters, where the
 * alerts and badges read it. A threshold is not a stock change: no event is emitted.
 */
export async function setLowStockThreshold(
  deps: Deps,
  input: { productId: string; threshold: number },
): Promise<{ productName: string; skus: string[] }> {
  if (!Number.isSafeInteger(input.threshold) || input.threshold < 0 || input.threshold > 10_000) {
    throw new DomainError("invalid_request", "The low-stock threshold must be a whole number from 0 to 10,000.");
  }
  const product = await deps.db.product.findUnique({ where: { id: input.productId }, include: { skus: { select: { code: true } } } });
  if (!product) throw new DomainError("not_found", "No such product.");
  await deps.db.product.update({ where: { id: product.id }, data: { lowStockThreshold: input.threshold } });
  await markCatalogChanged(deps);
  const skus = product.skus.map((s) => s.code);
  const exists = deps.redis.pipeline();
  for (const sku of skus) exists.exists(deps.keys.stock(sku));
  const present = ((await exists.exec()) ?? []).map(([err, n]) => !err && n === 1);
  const write = deps.redis.pipeline();
  skus.forEach((sku, i) => {
    // Only counters that exist: a SKU missing from Redis gets the threshold at its rebuild.
    if (present[i]) write.hset(deps.keys.stock(sku), "low", input.threshold);
  });
  await write.exec();
  return { productName: product.name, skus };
}
