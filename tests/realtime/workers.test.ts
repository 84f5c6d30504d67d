import { afterAll, describe, expect, inject, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { adjustStock, stockLevel } from "../../lib/stock";
import { createRedis, redisNow } from "../../lib/core/redis";
import { placeReservation } from "../../lib/reservations";
import { startWorkers, type Workers } from "../../server/workers";
import { seedSkus, testDeps, uid, type TestDeps } from "../helpers";

const opened: TestDeps[] = [];
const running: Workers[] = [];
const quiet = () => {};

function freshDeps(holdTtlSeconds?: number): TestDeps {
  const deps = testDeps({ holdTtlSeconds });
  opened.push(deps);
  return deps;
}

function workersFor(deps: Deps): Workers {
  const workers = startWorkers(deps, { log: quiet });
  running.push(workers);
  return workers;
}

afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  for (const deps of opened) await deps.close();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function ledgerVersions(deps: Deps, sku: string): Promise<number[]> {
  const rows = await deps.db.inventoryEvent.findMany({ where: { sku }, select: { version: true }, orderBy: { version: "asc" } });
  return rows.map((r) => r.version);
}

describe("ledger persister", () => {
  it("writes every event of a burst to Postgres exactly once, without gaps", async () => {
    const deps = freshDeps();
    const [hot, calm] = await seedSkus(deps, [{ onHand: 500 }, { onHand: 50 }]);
    workersFor(deps);

    await Promise.all([
      ...Array.from({ length: 60 }, () =>
        placeReservation(deps, { sessionId: `s-${uid()}`, items: [{ sku: hot!, quantity: 1 }], source: "test" }),
      ),
      ...Array.from({ length: 10 }, (_, i) => adjustStock(deps, { sku: calm!, delta: i % 2 ? -1 : 2, reason: "burst", source: "test" })),
    ]);

    for (const sku of [hot!, calm!]) {
      const version = (await stockLevel(deps, sku))!.version;
      await waitFor(async () => (await ledgerVersions(deps, sku)).length >= version);
      expect(await ledgerVersions(deps, sku)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
    }
    // The persisted cursor caught up and the stream was trimmed behind it.
    const hotVersion = (await stockLevel(deps, hot!))!.version;
    await waitFor(async () => Number(await deps.redis.hget(deps.keys.stock(hot!), "persisted")) === hotVersion);
  });
});

describe("worker failures", () => {
  it("keeps retrying while Postgres fails, logs it once, and catches up afterwards", async () => {
    const deps = freshDeps();
    const [sku] = await seedSkus(deps, [{ onHand: 20 }]);
    let postgresDown = true;
    const flakyDb = new Proxy(deps.db, {
      get(target, prop, receiver) {
        if (prop === "inventoryEvent" && postgresDown) {
          return { createMany: () => Promise.reject(new Error("connection refused")) };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const logged: string[] = [];
    const workers = startWorkers({ ...deps, db: flakyDb }, { log: (m) => logged.push(m), sweepIntervalMs: 200 });
    running.push(workers);

    for (let i = 0; i < 5; i++) await adjustStock(deps, { sku: sku!, delta: 1, reason: "outage", source: "test" });
    await new Promise((r) => setTimeout(r, 700));
    expect(workers.counters.errors).toBeGreaterThan(3);
    expect(logged.filter((m) => m.includes("[workers:persist]"))).toHaveLength(1);
    expect(await ledgerVersions(deps, sku!)).toEqual([]);

    postgresDown = false;
    await waitFor(async () => (await ledgerVersions(deps, sku!)).length === 6);
    expect(await ledgerVersions(deps, sku!)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("hold expiry", () => {
  it("expires a hold whose creator is gone within about a second of its deadline", async () => {
    const deps = freshDeps(2);
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    workersFor(deps);
    const hold = await placeReservation(deps, { sessionId: `s-${uid()}`, items: [{ sku: sku!, quantity: 3 }], source: "test" });
    expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 3, available: 1 });

    await waitFor(async () => (await stockLevel(deps, sku!))!.reserved === 0, 5_000, 20);
    const endedAt = await redisNow(deps.redis);
    expect(endedAt - hold.expiresAt).toBeLessThan(1_500);
    expect(endedAt).toBeGreaterThanOrEqual(hold.expiresAt);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    expect(await deps.redis.hget(deps.keys.reservation(hold.id), "status")).toBe("expired");
  });

  it("expires each hold exactly once with two workers running at once", async () => {
    const deps = freshDeps(1);
    // A second sidecar: its own connection to the same Redis and key prefix.
    const second: Deps = { ...deps, redis: createRedis(inject("redisUrl"), "test-second") };
    const skus = await seedSkus(deps, [{ onHand: 40 }, { onHand: 40 }, { onHand: 40 }]);
    workersFor(deps);
    workersFor(second);

    const holds = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        placeReservation(deps, {
          sessionId: `s-${uid()}`,
          // Every hold covers two SKUs: one expire event per line.
          items: [
            { sku: skus[i % 3]!, quantity: 1 },
            { sku: skus[(i + 1) % 3]!, quantity: 2 },
          ],
          source: "test",
        }),
      ),
    );

    for (const sku of skus) {
      await waitFor(async () => (await stockLevel(deps, sku))!.reserved === 0);
      const version = (await stockLevel(deps, sku))!.version;
      await waitFor(async () => (await ledgerVersions(deps, sku)).length >= version);
    }
    const expiries = await deps.db.inventoryEvent.findMany({
      where: { sku: { in: skus }, type: "expire" },
      select: { sku: true, reservationId: true },
    });
    const lines = holds.flatMap((h) => h.items.map((item) => `${h.id}/${item.sku}`)).sort();
    expect(expiries.map((e) => `${e.reservationId}/${e.sku}`).sort()).toEqual(lines);
    for (const sku of skus) expect(await stockLevel(deps, sku)).toMatchObject({ onHand: 40, reserved: 0, available: 40 });
    second.redis.disconnect();
  });
});
