// Invariant 7, second half: a reconciliation pass reports and repairs drift between Redis and
// Postgres, and every repair is an event in the ledger.
import { afterAll, describe, expect, it } from "vitest";
import { adjustStock, stockLevel } from "../../lib/stock";
import { persistAllPending } from "../../lib/ledger";
import { findDrift, latestReconciliation, reconcile, REPAIR_REASON } from "../../lib/ledger";
import { placeReservation } from "../../lib/reservations";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

describe("reconciliation", () => {
  it("finds injected drift in onHand and reserved, and nothing on a clean SKU", async () => {
    const [drifted, clean] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 6, safety: 1 }]);
    await placeReservation(deps, { sessionId: "rc1", items: [{ sku: drifted!, quantity: 2 }], ...who });
    await placeReservation(deps, { sessionId: "rc2", items: [{ sku: clean!, quantity: 1 }], ...who });
    await adjustStock(deps, { sku: clean!, delta: 3, reason: "received", ...who });
    // Corruption behind the scripts' back: no event, no version change.
    await deps.redis.hincrby(deps.keys.stock(drifted!), "onHand", 4);
    await deps.redis.hincrby(deps.keys.stock(drifted!), "reserved", -1);

    const { skus, drifts } = await findDrift(deps, { onlySkus: [drifted!, clean!] });
    expect(skus).toBe(2);
    expect(drifts).toEqual([
      { sku: drifted!, field: "onHand", redis: 14, expected: 10 },
      { sku: drifted!, field: "reserved", redis: 1, expected: 2 },
    ]);
  });

  it("a report-only run stores the drift and changes nothing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    await deps.redis.hincrby(deps.keys.stock(sku!), "onHand", -2);
    const report = await reconcile(deps, { trigger: "manual", actor: "tester@shop.test", onlySkus: [sku!] });
    expect(report).toMatchObject({ skus: 1, drifted: 1, repaired: 0, trigger: "manual", actor: "tester@shop.test" });
    expect(report.drifts).toEqual([{ sku: sku!, field: "onHand", redis: 3, expected: 5, repaired: false }]);
    expect((await stockLevel(deps, sku!))!.onHand).toBe(3);
    const stored = await deps.db.reconciliationDrift.findMany({ where: { runId: report.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ sku, field: "onHand", redis: 3, expected: 5, repaired: false });
    expect((await latestReconciliation(deps))?.finishedAt).not.toBeNull();
  });

  it("repairs through the rebuild script and records a rebuild event in the ledger", async () => {
    const [sku, clean] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 4 }]);
    await placeReservation(deps, { sessionId: "rr", items: [{ sku: sku!, quantity: 3 }], ...who });
    await persistAllPending(deps);
    const before = (await stockLevel(deps, sku!))!;
    const cleanBefore = (await stockLevel(deps, clean!))!;
    await deps.redis.hincrby(deps.keys.stock(sku!), "onHand", 7);
    await deps.redis.hincrby(deps.keys.stock(sku!), "reserved", 2);

    const report = await reconcile(deps, { repair: true, trigger: "api", actor: "ops@shop.test", onlySkus: [sku!, clean!] });
    expect(report).toMatchObject({ skus: 2, drifted: 1, repaired: 1 });
    expect(report.drifts.map((d) => [d.field, d.redis, d.expected, d.repaired])).toEqual([
      ["onHand", 17, 10, true],
      ["reserved", 5, 3, true],
    ]);
    const after = (await stockLevel(deps, sku!))!;
    expect(after).toMatchObject({ onHand: 10, reserved: 3, available: 7, version: before.version + 1 });

    const last = await deps.db.inventoryEvent.findFirst({ where: { sku: sku! }, orderBy: { version: "desc" } });
    expect(last).toMatchObject({
      type: "rebuild",
      version: before.version + 1,
      source: "reconciliation",
      actor: "ops@shop.test",
      reason: REPAIR_REASON,
      onHand: 10,
      reserved: 3,
      delta: -7,
    });
    // The clean SKU got no event.
    expect((await stockLevel(deps, clean!))!.version).toBe(cleanBefore.version);
    expect((await findDrift(deps, { onlySkus: [sku!, clean!] })).drifts).toEqual([]);
  });

  it("reports a SKU missing from Redis and restores it on repair", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 8, safety: 2 }]);
    await persistAllPending(deps);
    await deps.redis.del(deps.keys.stock(sku!));
    const found = await findDrift(deps, { onlySkus: [sku!] });
    expect(found.drifts).toEqual([{ sku: sku!, field: "onHand", redis: null, expected: 8 }]);
    const report = await reconcile(deps, { repair: true, trigger: "manual", onlySkus: [sku!] });
    expect(report.repaired).toBe(1);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 8, safety: 2, available: 6 });
  });

  it("a repair never leaves more held than onHand − safety: the newest holds that do not fit are ended first", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const first = await placeReservation(deps, { sessionId: "cap1", items: [{ sku: sku!, quantity: 5 }], ...who });
    await new Promise((r) => setTimeout(r, 5));
    const second = await placeReservation(deps, { sessionId: "cap2", items: [{ sku: sku!, quantity: 4 }], ...who });
    await persistAllPending(deps);
    // The catalog's safety stock is 3, Redis still counts 0 (a change Redis never took).
    await deps.db.sku.update({ where: { code: sku! }, data: { safety: 3 } });
    const report = await reconcile(deps, { repair: true, trigger: "manual", onlySkus: [sku!] });
    expect(report.drifts).toEqual([{ sku: sku!, field: "safety", redis: 0, expected: 3, repaired: true }]);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 10, safety: 3, reserved: 5, available: 2 });
    expect(await deps.redis.hget(deps.keys.reservation(second.id), "status")).toBe("expired");
    expect(await deps.redis.hget(deps.keys.reservation(first.id), "status")).toBe("held");
    expect((await findDrift(deps, { onlySkus: [sku!] })).drifts).toEqual([]);
  });

  it("sees no drift on SKUs changing during the pass", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 500 }]);
    const busy = Promise.all(
      Array.from({ length: 60 }, (_, i) => placeReservation(deps, { sessionId: `mv${i}`, items: [{ sku: sku!, quantity: 1 }], ...who })),
    );
    const checks = await Promise.all([findDrift(deps, { onlySkus: [sku!] }), findDrift(deps, { onlySkus: [sku!] })]);
    await busy;
    for (const c of checks) expect(c.drifts).toEqual([]);
    expect((await findDrift(deps, { onlySkus: [sku!] })).drifts).toEqual([]);
  });
});
