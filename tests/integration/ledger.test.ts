// Invariants 3 (one event per change, exactly once in the ledger) and 7 (Redis rebuildable).
import { afterAll, describe, expect, it } from "vitest";
import { adjustStock, setStock, stockLevel } from "../../lib/stock";
import { persistAllPending, persistSkuEvents, rebuildFromLedger } from "../../lib/ledger";
import { checkout } from "../../lib/orders";
import { placeReservation, releaseReservation } from "../../lib/reservations";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

async function ledgerOf(sku: string) {
  return deps.db.inventoryEvent.findMany({ where: { sku }, orderBy: { version: "asc" } });
}

describe("one event per change (invariant 3)", () => {
  it("every change is one event with the next version, and reaches the ledger exactly once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const r = await placeReservation(deps, { sessionId: "e", items: [{ sku: sku!, quantity: 2 }], ...who }); // v2 hold
    await releaseReservation(deps, "e", r.id, who); // v3 release
    const r2 = await placeReservation(deps, { sessionId: "e", items: [{ sku: sku!, quantity: 1 }], ...who }); // v4 hold
    await checkout(deps, { sessionId: "e", reservationIds: [r2.id], email: "", name: "", source: "test" }); // v5 sale
    await adjustStock(deps, { sku: sku!, delta: 5, reason: "received", ...who }); // v6 restock
    await expect(adjustStock(deps, { sku: sku!, delta: -100, reason: "damaged", ...who })).rejects.toMatchObject({
      code: "stock_below_reserved",
    });
    await setStock(deps, { sku: sku!, onHand: 14, safety: 0, lowStockThreshold: 5, ...who }); // unchanged: no event

    // Several persisters racing (two sidecars, a sweep) still write each event once.
    await Promise.all([persistSkuEvents(deps, sku!), persistSkuEvents(deps, sku!), persistAllPending(deps)]);
    await persistSkuEvents(deps, sku!);
    const rows = await ledgerOf(sku!);
    expect(rows.map((e) => [e.version, e.type, e.delta, e.onHand, e.reserved, e.available])).toEqual([
      [1, "set", 10, 10, 0, 10],
      [2, "hold", -2, 10, 2, 8],
      [3, "release", 2, 10, 0, 10],
      [4, "hold", -1, 10, 1, 9],
      [5, "sale", -1, 9, 0, 9],
      [6, "restock", 5, 14, 0, 14],
    ]);
    expect(rows[4]!.reason).toMatch(/^SW-/); // the sale names its order
    expect((await stockLevel(deps, sku!))!.version).toBe(6);
    // The stream is trimmed once persisted, and the cursor says so.
    expect(await deps.redis.xlen(deps.keys.events(sku!))).toBe(0);
    expect(await deps.redis.hget(deps.keys.stock(sku!), "persisted")).toBe("6");
  });

  it("a burst of 300 concurrent holds leaves a gap-free version sequence in the ledger", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1000 }]);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => placeReservation(deps, { sessionId: `b${i}`, items: [{ sku: sku!, quantity: 1 }], ...who })),
    );
    await persistAllPending(deps);
    const rows = await ledgerOf(sku!);
    expect(rows).toHaveLength(301);
    rows.forEach((row, i) => expect(row.version).toBe(i + 1));
    expect(rows.at(-1)).toMatchObject({ reserved: 300, available: 700 });
  });
});

describe("rebuildable hot state (invariant 7)", () => {
  it("restores counters from the ledger after Redis loses them, continuing versions", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 7 }, { onHand: 3, safety: 1 }]);
    const r = await placeReservation(deps, { sessionId: "rb", items: [{ sku: a!, quantity: 2 }], ...who });
    await checkout(deps, { sessionId: "rb", reservationIds: [r.id], email: "", name: "", source: "test" });
    await adjustStock(deps, { sku: b!, delta: 4, reason: "received", ...who });
    await persistAllPending(deps);
    const before = [(await stockLevel(deps, a!))!, (await stockLevel(deps, b!))!];

    // Disaster: every key of this store is gone.
    const all = await deps.redis.keys(`${deps.prefix}*`);
    await deps.redis.del(...all);
    expect(await stockLevel(deps, a!)).toBeNull();

    // (Scoped to this test's SKUs: other test files share the database.)
    const report = await rebuildFromLedger(deps, { onlySkus: [a!, b!] });
    expect(report).toEqual({ skus: 2, rebuilt: 2, unchanged: 0, lostHolds: [], notRebuilt: [], oversold: [] });
    const after = [(await stockLevel(deps, a!))!, (await stockLevel(deps, b!))!];
    expect(after[0]).toMatchObject({ onHand: 5, reserved: 0, safety: 0, available: 5, version: before[0]!.version + 1 });
    expect(after[1]).toMatchObject({ onHand: 7, reserved: 0, safety: 1, available: 6, version: before[1]!.version + 1 });
    const last = (await ledgerOf(a!)).at(-1)!;
    expect(last).toMatchObject({ type: "rebuild", version: before[0]!.version + 1 });

    // Running it again when nothing drifted changes nothing.
    await rebuildFromLedger(deps, { onlySkus: [a!, b!] });
    expect((await stockLevel(deps, a!))!.version).toBe(after[0]!.version);
  });
});
