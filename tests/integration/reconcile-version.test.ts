// Defect 5 of issue 12: after a partial Redis loss (an AOF or snapshot restore) a SKU's Redis
// version can be behind the ledger's last version; every new event then reuses a version the
// ledger already holds. The sidecar's start-up check and every reconciliation run find such a
// SKU and rebuild it from the ledger, conditionally (a write landing between the look and the
// repair makes the script change nothing), so the next event continues after the ledger's last.
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { adjustStock, stockLevel } from "../../lib/stock";
import { BEHIND_REASON, catchUpWithLedger, persistAllPending, persistSkuEvents } from "../../lib/ledger";
import { reconcile } from "../../lib/ledger";
import { placeReservation } from "../../lib/reservations";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

async function ledgerOf(sku: string) {
  return deps.db.inventoryEvent.findMany({ where: { sku }, orderBy: { version: "asc" } });
}

async function quarantinedOf(sku: string) {
  return deps.db.quarantinedEvent.findMany({ where: { sku } });
}

/** Versions 1..3 in the ledger (onHand 10, 12, 11), then Redis restored to its state at version 1. */
async function restoredBehind(): Promise<string> {
  const [sku] = await seedSkus(deps, [{ onHand: 10 }]); // v1
  await adjustStock(deps, { sku: sku!, delta: 2, reason: "received", ...who }); // v2
  await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", ...who }); // v3
  await persistAllPending(deps);
  expect((await ledgerOf(sku!)).map((e) => e.version)).toEqual([1, 2, 3]);
  // What an older snapshot brings back: the counters (and cursor) as they were at version 1.
  await deps.redis.hset(deps.keys.stock(sku!), "version", 1, "persisted", 1, "onHand", 10);
  return sku!;
}

/** The next change gets the ledger's last version + 1 and reaches the ledger as it is, held for nothing. */
async function nextChangeContinuesTheLedger(sku: string) {
  await persistAllPending(deps);
  const ledgerMax = (await ledgerOf(sku)).at(-1)!.version;
  const level = await adjustStock(deps, { sku, delta: 5, reason: "received", ...who });
  expect(level.version).toBe(ledgerMax + 1);
  await persistSkuEvents(deps, sku);
  const ledger = await ledgerOf(sku);
  ledger.forEach((e, i) => expect(e.version).toBe(i + 1));
  expect(ledger.at(-1)).toMatchObject({ version: ledgerMax + 1, type: "restock", delta: 5, reason: "received" });
}

describe("Redis behind the ledger (defect 5)", () => {
  it("the sidecar's start-up check finds it and rebuilds it before any write: the next event continues after the ledger", async () => {
    const sku = await restoredBehind();
    const { behind, report } = await catchUpWithLedger(deps, {
      onlySkus: [sku],
      source: "rebuild",
      actor: "sidecar-start",
      includeMissing: true,
    });
    expect(behind).toEqual([{ sku, redisVersion: 1, persisted: 1, ledgerVersion: 3 }]);
    expect(report).toMatchObject({ rebuilt: 1, notRebuilt: [] });
    expect(await stockLevel(deps, sku)).toMatchObject({ onHand: 11, reserved: 0, version: 4 });
    expect((await ledgerOf(sku)).at(-1)).toMatchObject({
      version: 4,
      type: "rebuild",
      onHand: 11,
      reason: BEHIND_REASON,
      actor: "sidecar-start",
    });
    await nextChangeContinuesTheLedger(sku);
    expect(await quarantinedOf(sku)).toEqual([]);
    // Nothing behind any more: a second start changes nothing.
    expect((await catchUpWithLedger(deps, { onlySkus: [sku] })).behind).toEqual([]);
  });

  it("every reconciliation run reports it and repairs it, even a report-only run", async () => {
    const sku = await restoredBehind();
    const report = await reconcile(deps, { trigger: "schedule", actor: "reconciler", onlySkus: [sku] });
    expect(report.drifts).toEqual([
      { sku, field: "onHand", redis: 10, expected: 11, repaired: true },
      { sku, field: "version_behind", redis: 1, expected: 3, repaired: true },
    ]);
    expect(report).toMatchObject({ drifted: 1, repaired: 1 });
    expect(await stockLevel(deps, sku)).toMatchObject({ onHand: 11, version: 4 });
    await nextChangeContinuesTheLedger(sku);
    expect(await quarantinedOf(sku)).toEqual([]);
  });

  it("a cursor ahead of the version is behind too, and holds kept through the restore stay held", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const r = await placeReservation(deps, { sessionId: `vb-${uid(8)}`, items: [{ sku: sku!, quantity: 2 }], ...who }); // v2
    await persistAllPending(deps);
    await deps.redis.hset(deps.keys.stock(sku!), "version", 1); // persisted stays 2
    const { behind } = await catchUpWithLedger(deps, { onlySkus: [sku!] });
    expect(behind).toEqual([{ sku, redisVersion: 1, persisted: 2, ledgerVersion: 2 }]);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 10, reserved: 2, version: 3 });
    expect(await deps.redis.hget(deps.keys.holds(sku!), r.id)).toBe("2");
    await nextChangeContinuesTheLedger(sku!);
  });

  it("a write landing between the look and the repair makes the script change nothing; the next look repairs", async () => {
    const sku = await restoredBehind();
    // The write lands on the stale counters just before the rebuild script runs (version 2 again).
    let landed = false;
    const racing: Deps = {
      ...deps,
      redis: beforeCall(deps.redis, "swRebuild", async () => {
        if (landed) return;
        landed = true;
        await adjustStock(deps, { sku, delta: 4, reason: "counted", ...who });
      }),
    };
    const calls: number[] = [];
    const counting: Deps = {
      ...racing,
      redis: afterCall(racing.redis, "swRebuild", (reply) => calls.push(Number((reply as unknown[])[0]))),
    };
    const { report } = await catchUpWithLedger(counting, { onlySkus: [sku] });
    expect(calls).toEqual([5, 1]); // refused (it saw version 1, Redis had 2), then rebuilt
    expect(report).toMatchObject({ rebuilt: 1 });
    expect(await stockLevel(deps, sku)).toMatchObject({ onHand: 11, version: 4 });
    await nextChangeContinuesTheLedger(sku);
    // The write made on the stale counters reused version 2: it is held for review, not lost silently.
    expect(await quarantinedOf(sku)).toMatchObject([{ kind: "version_collision", version: 2 }]);
  });
});

function wrap(real: Redis, command: string, around: (call: () => Promise<unknown>) => Promise<unknown>): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== command) return fn;
      return (...args: unknown[]) => around(() => fn(...args) as Promise<unknown>);
    },
  });
}

function beforeCall(real: Redis, command: string, hook: () => Promise<void>): Redis {
  return wrap(real, command, async (call) => {
    await hook();
    return call();
  });
}

function afterCall(real: Redis, command: string, hook: (reply: unknown) => void): Redis {
  return wrap(real, command, async (call) => {
    const reply = await call();
    hook(reply);
    return reply;
  });
}
