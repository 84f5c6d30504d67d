// Shared test helpers: dependencies on the real servers from the global setup, with a fresh
// Redis key prefix per call and unique SKU codes, so tests never see each other's data.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { Deps } from "../lib/core/deps";
import { createDb } from "../lib/core/db";
import { redisKeys } from "../lib/core/keys";
import { createRedis } from "../lib/core/redis";
import { upsertSku } from "../lib/catalog";

export interface TestDeps extends Deps {
  prefix: string;
  close(): Promise<void>;
}

export const TEST_QUEUE_TOKEN_SECRET = "test-queue-token-secret-0123456789";

export function uid(len = 6): string {
  return randomBytes(8).toString("hex").slice(0, len).toUpperCase();
}

export function testDeps(opts: { holdTtlSeconds?: number } = {}): TestDeps {
  const prefix = `t${uid(8).toLowerCase()}:`;
  const redis = createRedis(inject("redisUrl"), "test");
  const db = createDb(inject("databaseUrl"), 5);
  return {
    redis,
    db,
    prefix,
    keys: redisKeys(prefix),
    holdTtlSeconds: opts.holdTtlSeconds ?? 600,
    queueTokenSecret: TEST_QUEUE_TOKEN_SECRET,
    async close() {
      const stream = redis.scanStream({ match: `${prefix}*`, count: 500 });
      for await (const batch of stream) if ((batch as string[]).length) await redis.del(...(batch as string[]));
      redis.disconnect();
      await db.$disconnect();
    },
  };
}

/** Create a product with one SKU per entry and the given stock; returns the SKU codes. */
export async function seedSkus(
  deps: Deps,
  stocks: { onHand: number; safety?: number; priceCents?: number }[],
  opts: { lowStockThreshold?: number } = {},
): Promise<string[]> {
  const slug = `test-${uid(10).toLowerCase()}`;
  const codes: string[] = [];
  for (const [i, s] of stocks.entries()) {
    const sku = `T${uid(8)}-${i}`;
    await upsertSku(deps, {
      sku,
      product: { slug, name: `Test product ${slug}`, lowStockThreshold: opts.lowStockThreshold ?? 5 },
      label: `Variant ${i}`,
      priceCents: s.priceCents ?? 1000,
      onHand: s.onHand,
      safety: s.safety ?? 0,
      source: "test",
    });
    codes.push(sku);
  }
  return codes;
}
