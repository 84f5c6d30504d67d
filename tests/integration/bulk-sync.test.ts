// Bulk stock sync (issue 17: PUT /api/v1/admin/inventory), against real Redis: atomic per SKU
// (a refused row leaves its SKU untouched, the other SKUs still apply), idempotent per key (a
// replay applies nothing twice, the same key with other rows is refused before anything runs),
// a sync cut off part-way is finished by its retry, and 10,000 rows in one request.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { placeReservation } from "../../lib/reservations/place";
import { bulkSync, checkBulkRows, setStock, stockLevel } from "../../lib/stock";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

const events = async (d: Deps, sku: string) => (await d.redis.xrange(d.keys.events(sku), "-", "+")).length;
const sync = (rows: unknown[], key = randomUUID(), d: Deps = deps) =>
  bulkSync(d, { rows, actor: "staff:bulk-test", source: "test", idempotencyKey: key });
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );

/** Collect the stock notices published on the events channel until stop(). */
async function listen(d: Deps) {
  const sub = d.redis.duplicate();
  const heard: { sku: string; onHand: number; version: number }[] = [];
  sub.on("message", (_: string, m: string) => heard.push(JSON.parse(m) as (typeof heard)[number]));
  await sub.subscribe(d.keys.eventsChannel);
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 100));
      sub.disconnect();
      return heard;
    },
  };
}

/** Real Redis, except that the bulk script fails after `allowed` calls: the process "dies" mid-sync. */
function cutOffAfter(d: Deps, allowed: number): Deps {
  let calls = 0;
  const redis = new Proxy(d.redis, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "swBulkStock" || typeof value !== "function") return value;
      return (...args: unknown[]) =>
        ++calls > allowed
          ? Promise.reject(new Error("injected: connection lost mid-sync"))
          : (Reflect.apply(value, target, args) as Promise<unknown>);
    },
  });
  return { ...d, redis };
}

describe("bulk sync", () => {
  it("applies counts and movements in row order, one event per change, and reports each row", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 5 }]);
    const before = { a: await events(deps, a!), b: await events(deps, b!) };
    const notices = await listen(deps);
    const result = await sync([
      { sku: a, onHand: 20 },
      { sku: b!.toLowerCase(), delta: 3, reason: "received" },
      { sku: a, delta: -4, reason: "damaged", note: "water" },
      { sku: b, onHand: 8 }, // equal to 5 + 3: no change, no event
    ]);
    expect(result).toMatchObject({ rows: 4, skus: 2, applied: 4, unchanged: 0, refused: 0 });
    expect(result.results.map((r) => [r.index, r.sku, r.status, r.onHand])).toEqual([
      [0, a, "applied", 16],
      [1, b, "applied", 8],
      [2, a, "applied", 16],
      [3, b, "applied", 8],
    ]);
    expect((await stockLevel(deps, a!))?.onHand).toBe(16);
    expect((await stockLevel(deps, b!))?.onHand).toBe(8);
    expect(await events(deps, a!)).toBe(before.a + 2);
    expect(await events(deps, b!)).toBe(before.b + 1);
    const last = await deps.redis.xrevrange(deps.keys.events(a!), "+", "-", "COUNT", 1);
    const fields = Object.fromEntries((last[0]![1] as string[]).flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : []))) as Record<
      string,
      string
    >;
    expect(fields).toMatchObject({ type: "adjust", delta: "-4", reason: "damaged: water", actor: "staff:bulk-test" });
    // Every row is in the stream; pages hear one notice per SKU, with its final count.
    const heard = await notices.stop();
    expect(heard.map((n) => [n.sku, n.onHand, n.version]).sort()).toEqual(
      [
        [a, 16, (await stockLevel(deps, a!))?.version],
        [b, 8, (await stockLevel(deps, b!))?.version],
      ].sort(),
    );
  });

  it("a count equal to what is there changes nothing and says so", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 7 }]);
    const before = await events(deps, sku!);
    const result = await sync([{ sku, onHand: 7 }]);
    expect(result.results[0]).toMatchObject({ status: "unchanged", onHand: 7 });
    expect(await events(deps, sku!)).toBe(before);
  });

  it("is atomic per SKU: a refused row leaves its SKU untouched while other SKUs apply", async () => {
    const [held, free, bad] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 10 }, { onHand: 10 }]);
    await placeReservation(deps, { sessionId: `bulk-${uid()}`, items: [{ sku: held!, quantity: 6 }], source: "test" });
    const before = { held: await events(deps, held!), bad: await events(deps, bad!) };
    const result = await sync([
      { sku: held, delta: 5, reason: "received" }, // fine alone …
      { sku: held, onHand: 3 }, // … but this count would go below the 6 held units
      { sku: free, delta: -2, reason: "damaged" },
      { sku: bad, delta: 1, reason: "received" },
      { sku: bad, delta: 2.5 }, // not a whole number: the whole of `bad` is refused
      { nothing: true },
    ]);
    expect(result).toMatchObject({ rows: 6, applied: 1, refused: 5 });
    const by = (i: number) => result.results[i]!;
    expect(by(0)).toMatchObject({ status: "refused", code: "sku_refused" });
    expect(by(1)).toMatchObject({ status: "refused", code: "stock_below_reserved" });
    expect(by(1).message).toMatch(/at most 9/); // counted after the row before it: 15 on hand, 6 held
    expect(by(2)).toMatchObject({ status: "applied", onHand: 8 });
    expect(by(3)).toMatchObject({ status: "refused", code: "sku_refused" });
    expect(by(4)).toMatchObject({ status: "refused", code: "invalid_row" });
    expect(by(5)).toMatchObject({ sku: null, status: "refused", code: "invalid_row" });
    expect(await stockLevel(deps, held!)).toMatchObject({ onHand: 10, reserved: 6 });
    expect((await stockLevel(deps, bad!))?.onHand).toBe(10);
    expect(await events(deps, held!)).toBe(before.held);
    expect(await events(deps, bad!)).toBe(before.bad);
  });

  it("a replay with the same key and rows applies nothing twice; other rows under the key are refused", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const key = randomUUID();
    const first = await sync([{ sku, delta: 5, reason: "received" }], key);
    const count = await events(deps, sku!);
    const again = await sync([{ sku, delta: 5, reason: "received" }], key);
    expect(again.results).toEqual(first.results);
    expect((await stockLevel(deps, sku!))?.onHand).toBe(15);
    expect(await events(deps, sku!)).toBe(count);
    expect(await codeOf(sync([{ sku, delta: 6, reason: "received" }], key))).toBe("idempotency_key_reused");
    expect((await stockLevel(deps, sku!))?.onHand).toBe(15);
    // Another staff member's key of the same name is theirs, not a reuse.
    const theirs = await bulkSync(deps, {
      rows: [{ sku, delta: 1, reason: "received" }],
      actor: "staff:other",
      source: "test",
      idempotencyKey: key,
    });
    expect(theirs.applied).toBe(1);
  });

  it("a sync cut off part-way is finished by its retry, each SKU changed exactly once", async () => {
    const skus = await seedSkus(
      deps,
      Array.from({ length: 6 }, () => ({ onHand: 10 })),
    );
    const rows = skus.flatMap((sku) => [
      { sku, delta: 4, reason: "received" },
      { sku, delta: -1, reason: "damaged" },
    ]);
    const key = randomUUID();
    const before = await Promise.all(skus.map((s) => events(deps, s)));
    expect(await codeOf(sync(rows, key, cutOffAfter(deps, 2)))).toMatch(/injected/);
    const partway = await Promise.all(skus.map(async (s) => (await stockLevel(deps, s))?.onHand));
    expect(partway.filter((n) => n === 13)).toHaveLength(2);
    expect(partway.filter((n) => n === 10)).toHaveLength(4);
    const retry = await sync(rows, key);
    expect(retry).toMatchObject({ applied: 12, refused: 0 });
    for (const [i, sku] of skus.entries()) {
      expect((await stockLevel(deps, sku))?.onHand).toBe(13);
      expect(await events(deps, sku)).toBe(before[i]! + 2);
    }
  });

  it("never oversells while shoppers hold the same SKUs", async () => {
    const skus = await seedSkus(
      deps,
      Array.from({ length: 4 }, () => ({ onHand: 30, safety: 2 })),
    );
    const holds = Array.from({ length: 120 }, (_, i) =>
      placeReservation(deps, { sessionId: `race-${i}-${uid()}`, items: [{ sku: skus[i % 4]!, quantity: 1 }], source: "test" }).then(
        () => 1,
        () => 0,
      ),
    );
    const counts = skus.map((sku, i) => sync([{ sku, onHand: 10 + i * 5 }]));
    const [placed, results] = await Promise.all([Promise.all(holds), Promise.all(counts)]);
    for (const sku of skus) {
      const level = (await stockLevel(deps, sku))!;
      expect(level.onHand).toBeGreaterThanOrEqual(level.reserved + level.safety);
      expect(level.available).toBeGreaterThanOrEqual(0);
    }
    const reserved = (await Promise.all(skus.map((s) => stockLevel(deps, s)))).reduce((n, l) => n + l!.reserved, 0);
    expect(reserved).toBe(placed.reduce((a, b) => a + b, 0));
    expect(results.every((r) => r.rows === 1)).toBe(true);
  });

  it("applies 10,000 rows in one request (2,500 SKUs, 4 rows each)", async () => {
    const prefix = `TB${uid(6)}`;
    const skus = Array.from({ length: 2_500 }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < skus.length; i += 250)
      await Promise.all(
        skus.slice(i, i + 250).map((sku) => setStock(deps, { sku, onHand: 50, safety: 0, lowStockThreshold: 5, source: "test" })),
      );
    const rows = skus.flatMap((sku) => [
      { sku, onHand: 40 },
      { sku, delta: 5, reason: "received" },
      { sku, delta: -2, reason: "damaged" },
      { sku, delta: 1, reason: "correction" },
    ]);
    const result = await sync(rows);
    expect(result).toMatchObject({ rows: 10_000, skus: 2_500, applied: 10_000, refused: 0 });
    const sample = [skus[0]!, skus[1_234]!, skus[2_499]!];
    for (const sku of sample) {
      expect((await stockLevel(deps, sku))?.onHand).toBe(44);
      expect(await events(deps, sku)).toBe(1 + 4);
    }
  });

  it("refuses an empty or oversized request before anything runs", async () => {
    expect(await codeOf(sync([]))).toBe("invalid_request");
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const rows = Array.from({ length: 10_001 }, () => ({ sku, delta: 1, reason: "received" }));
    expect(await codeOf(sync(rows))).toBe("invalid_request");
    expect((await stockLevel(deps, sku!))?.onHand).toBe(1);
  });

  it("previews rows without changing anything", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 3 }]);
    const before = await events(deps, sku!);
    expect(checkBulkRows([{ sku, onHand: 9 }, { sku, onHand: -1 }, { sku: "bad sku", delta: 1 }, "x"])).toEqual([
      { index: 0, sku, ok: true },
      { index: 1, sku, ok: false, message: expect.stringMatching(/^onHand: /) },
      { index: 2, sku: "BAD SKU", ok: false, message: expect.stringMatching(/^sku: /) },
      { index: 3, sku: null, ok: false, message: expect.any(String) },
    ]);
    expect(await events(deps, sku!)).toBe(before);
  });
});
