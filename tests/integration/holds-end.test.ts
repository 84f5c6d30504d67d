// Invariant 5b and defects 2, 4 and 7 of issue 12: a reservation's ending and its stock
// effect are one step, or the step left undone is finished by the expiry worker; a checkout is
// confirmed only if its commit took the units. Each test drives the exact window between two
// steps with a wrapper that fails or pauses one real Redis or Postgres call.
import { afterAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import type { Deps } from "../../lib/core/deps";
import { stockLevel } from "../../lib/stock";
import { checkout, finishStalledCheckout } from "../../lib/orders";
import {
  expireDueReservations,
  extendReservation,
  getReservation,
  placeReservation,
  REFUSAL_MEMORY_SECONDS,
  releaseReservation,
  sessionReservations,
} from "../../lib/reservations";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps({ holdTtlSeconds: 30 });
afterAll(() => deps.close());
const who = { source: "test" };

type Hook = (name: string, args: unknown[]) => Promise<void> | void;

/**
 * The real client, with `before` run ahead of every call of the named commands (it may
 * throw to fail that call, or wait to pause it) and, optionally, Cluster's stepwise code path.
 */
function faultyRedis(real: Redis, opts: { commands: string[]; before?: Hook; after?: Hook; stepwise?: boolean }): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "isCluster") return opts.stepwise ? true : target.isCluster;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (typeof prop !== "string" || !opts.commands.includes(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        await opts.before?.(prop, args);
        const result = await fn.apply(target, args);
        await opts.after?.(prop, args);
        return result;
      };
    },
  });
}

/** Fails the first `times` calls of `command`, then lets calls through. */
function failFirst(command: string, times = 1) {
  let left = times;
  return {
    commands: [command],
    before: () => {
      if (left-- > 0) throw new Error(`injected: ${command} failed`);
    },
  };
}

/** Reserved units that belong to no live reservation (what reconciliation must also see). */
async function unitsHeldByEnded(d: Deps, sku: string): Promise<number> {
  const holds = await d.redis.hgetall(d.keys.holds(sku));
  let units = 0;
  for (const [id, q] of Object.entries(holds)) {
    const status = await d.redis.hget(d.keys.reservation(id), "status");
    if (!status || !["pending", "held", "committing", "committed"].includes(status)) units += Number(q);
  }
  return units;
}

async function makeDue(d: Deps, id: string) {
  const past = Date.now() - 60_000;
  await d.redis.hset(d.keys.reservation(id), "expiresAt", past);
  await d.redis.zadd(d.keys.holdDeadlines, past, id);
}

const sweep = (d: Deps) => expireDueReservations(d, (id) => finishStalledCheckout(d, id));

describe("a release that fails half-way leaves no units behind (defect 2)", () => {
  for (const stepwise of [false, true]) {
    const path = stepwise ? "stepwise (Cluster) path" : "one-node path";

    it(`${path}: the release step fails once; the worker finishes it`, async () => {
      const [sku] = await seedSkus(deps, [{ onHand: 3 }]);
      const session = `rel-${stepwise}`;
      const r = await placeReservation(deps, { sessionId: session, items: [{ sku: sku!, quantity: 2 }], ...who });
      const broken = { ...deps, redis: faultyRedis(deps.redis, { ...failFirst("swRelease"), stepwise }) };
      await releaseReservation(broken, session, r.id, who).catch(() => "failed");
      // However the call ended, the shopper's retry and the worker converge on no units held.
      await releaseReservation(deps, session, r.id, who).catch(() => "failed");
      expect((await getReservation(deps, session, r.id)).status).toBe("released");
      // On the stepwise path the deadline entry is the to-do: it comes due at the hold's deadline.
      await deps.redis.zadd(deps.keys.holdDeadlines, Date.now() - 1000, r.id);
      await sweep(deps);
      expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 0, available: 3 });
      expect(await unitsHeldByEnded(deps, sku!)).toBe(0);
      expect(await deps.redis.zscore(deps.keys.holdDeadlines, r.id)).toBeNull();
    });

    it(`${path}: expiry whose release step fails is finished by the next sweep`, async () => {
      const [a, b] = await seedSkus(deps, [{ onHand: 2 }, { onHand: 2 }]);
      const r = await placeReservation(deps, {
        sessionId: "exp",
        items: [
          { sku: a!, quantity: 1 },
          { sku: b!, quantity: 2 },
        ],
        ...who,
      });
      await makeDue(deps, r.id);
      const broken = { ...deps, redis: faultyRedis(deps.redis, { ...failFirst("swRelease"), stepwise }) };
      await sweep(broken).catch(() => "failed");
      await sweep(deps);
      expect((await getReservation(deps, "exp", r.id)).status).toBe("expired");
      expect(await stockLevel(deps, a!)).toMatchObject({ reserved: 0 });
      expect(await stockLevel(deps, b!)).toMatchObject({ reserved: 0 });
      expect(await deps.redis.zscore(deps.keys.holdDeadlines, r.id)).toBeNull();
    });

    it(`${path}: a stalled checkout's undo that fails half-way is finished`, async () => {
      const [sku] = await seedSkus(deps, [{ onHand: 2 }]);
      const r = await placeReservation(deps, { sessionId: "stall2", items: [{ sku: sku!, quantity: 2 }], ...who });
      const longAgo = Date.now() - 120_000;
      await deps.redis.swTransitionReservation(deps.keys.reservation(r.id), "held", "committing", "", "committingSince", String(longAgo));
      await deps.redis.zadd(deps.keys.holdDeadlines, longAgo, r.id);
      const broken = { ...deps, redis: faultyRedis(deps.redis, { ...failFirst("swRelease"), stepwise }) };
      await sweep(broken).catch(() => "failed");
      await deps.redis.zadd(deps.keys.holdDeadlines, Date.now() - 1000, r.id);
      await sweep(deps);
      expect((await getReservation(deps, "stall2", r.id)).status).toBe("expired");
      expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 0, onHand: 2 });
    });
  }

  it("one node: the ending and the release are one script (no window to fail in)", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const r = await placeReservation(deps, { sessionId: "one", items: [{ sku: sku!, quantity: 1 }], ...who });
    const seen: string[] = [];
    const watching = {
      ...deps,
      redis: faultyRedis(deps.redis, {
        commands: ["swTransitionReservation", "swRelease", "swEndReservation"],
        before: (n) => void seen.push(n),
      }),
    };
    await releaseReservation(watching, "one", r.id, who);
    expect(seen).toEqual(["swEndReservation"]);
    expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 0 });
  });
});

describe("a checkout is confirmed only if it took the units (defect 4)", () => {
  it("an order write slower than the stalled-checkout window: 410, order failed, units on sale once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 2 }]);
    const r = await placeReservation(deps, { sessionId: "slow", items: [{ sku: sku!, quantity: 2 }], ...who });
    // While the order row is being written, the worker decides this checkout's process is dead
    // (as it would after 30 s) and gives the units back.
    const slowDb = new Proxy(deps.db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== "order") return value;
        const order = value as typeof deps.db.order;
        return new Proxy(order, {
          get(t, p, rcv) {
            const v = Reflect.get(t, p, rcv) as unknown;
            if (p !== "create") return v;
            return async (...args: Parameters<typeof order.create>) => {
              await deps.redis.hset(deps.keys.reservation(r.id), "committingSince", Date.now() - 120_000);
              await deps.redis.zadd(deps.keys.holdDeadlines, Date.now() - 1000, r.id);
              await sweep(deps);
              return t.create(...args);
            };
          },
        });
      },
    }) as typeof deps.db;
    await expect(
      checkout({ ...deps, db: slowDb }, { sessionId: "slow", reservationIds: [r.id], email: "s@example.com", name: "S", source: "test" }),
    ).rejects.toMatchObject({ code: "reservation_expired" });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    const orders = await deps.db.order.findMany({ where: { sessionId: "slow" } });
    expect(orders.map((o) => o.status)).toEqual(["failed"]);
    expect((await getReservation(deps, "slow", r.id)).status).toBe("expired");
  });

  it("a line whose hold vanished (Redis lost writes) is never sold without stock: 410, order failed, the rest given back", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 3 }, { onHand: 3 }]);
    const r = await placeReservation(deps, {
      sessionId: "lost",
      items: [
        { sku: a!, quantity: 1 },
        { sku: b!, quantity: 2 },
      ],
      ...who,
    });
    // As a restore from an older copy would leave it: the record is held, one line's hold is gone.
    await deps.redis.hdel(deps.keys.holds(b!), r.id);
    await deps.redis.hincrby(deps.keys.stock(b!), "reserved", -2);
    await expect(
      checkout(deps, { sessionId: "lost", reservationIds: [r.id], email: "l@example.com", name: "L", source: "test" }),
    ).rejects.toMatchObject({ code: "reservation_expired" });
    expect(await stockLevel(deps, a!)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await stockLevel(deps, b!)).toMatchObject({ onHand: 3, reserved: 0 });
    expect((await deps.db.order.findMany({ where: { sessionId: "lost" } })).map((o) => o.status)).toEqual(["failed"]);
    expect((await getReservation(deps, "lost", r.id)).status).toBe("failed");
  });

  it("a crash between the gate and the sale: the worker sells the lines and confirms the order", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 3 }]);
    const r = await placeReservation(deps, { sessionId: "gate", items: [{ sku: sku!, quantity: 2 }], ...who });
    const broken = { ...deps, redis: faultyRedis(deps.redis, failFirst("swCommit")) };
    const req = { sessionId: "gate", reservationIds: [r.id], email: "g@example.com", name: "G", source: "test" };
    // The shopper is told the truth: the order is being placed (not a 500, and not "no").
    await expect(checkout(broken, req)).rejects.toMatchObject({ code: "checkout_in_progress" });
    expect((await getReservation(deps, "gate", r.id)).status).toBe("committed");
    // Still on the to-do list; the worker finishes it when it comes due.
    expect(await deps.redis.zscore(deps.keys.holdDeadlines, r.id)).not.toBeNull();
    await deps.redis.zadd(deps.keys.holdDeadlines, Date.now() - 1000, r.id);
    await sweep(deps);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 1, reserved: 0 });
    const [order] = await deps.db.order.findMany({ where: { sessionId: "gate" } });
    expect(order?.status).toBe("confirmed");
    // The shopper's retry answers with the same order.
    expect((await checkout(deps, req)).orderId).toBe(order!.id);
    expect(await deps.redis.zscore(deps.keys.holdDeadlines, r.id)).toBeNull();
  });
});

describe("concurrent retries on the stepwise path (defect 7)", () => {
  it("a failing duplicate does not release the winner's holds", async () => {
    const [x, y] = await seedSkus(deps, [{ onHand: 1 }, { onHand: 0 }]);
    const items = [
      { sku: x!, quantity: 1 },
      { sku: y!, quantity: 1 },
    ];
    const req = { sessionId: "dup", items, idempotencyKey: "same-key", ...who };
    const race: { winner?: Promise<{ id: string }> } = {};
    // Request B is refused on Y (none left). Before B rolls back, Y is restocked and request A
    // with the same key holds both lines and finishes.
    const b = {
      ...deps,
      redis: faultyRedis(deps.redis, {
        commands: ["swReserve"],
        stepwise: true,
        after: async (_n, args) => {
          if (args[3] !== y || race.winner) return;
          await deps.redis.hincrby(deps.keys.stock(y!), "onHand", 1);
          race.winner = placeReservation({ ...deps, redis: faultyRedis(deps.redis, { commands: [], stepwise: true }) }, req);
          await race.winner;
        },
      }),
    };
    const bResult = await placeReservation(b, req).then(
      (p) => p.id,
      (e: { code?: string }) => e.code,
    );
    const aResult = await race.winner!;
    expect(bResult).toBe(aResult.id); // B answers with A's result, as a retry should
    const r = await getReservation(deps, "dup", aResult.id);
    expect(r.status).toBe("held");
    expect(await stockLevel(deps, x!)).toMatchObject({ reserved: 1 });
    expect(await stockLevel(deps, y!)).toMatchObject({ reserved: 1 });
    const order = await checkout(deps, { sessionId: "dup", reservationIds: [r.id], email: "d@example.com", name: "D", source: "test" });
    expect(order.number).toMatch(/^SW-/);
    expect(await stockLevel(deps, x!)).toMatchObject({ onHand: 0, reserved: 0 });
    expect(await stockLevel(deps, y!)).toMatchObject({ onHand: 0, reserved: 0 });
  });
});

describe("a retry that held a line after another ended the reservation gives it back at once", () => {
  it("stepwise: no units wait for the expiry worker", async () => {
    const [x, y] = await seedSkus(deps, [{ onHand: 0 }, { onHand: 0 }]);
    const req = {
      sessionId: "late",
      items: [
        { sku: x!, quantity: 3 },
        { sku: y!, quantity: 2 },
      ],
      idempotencyKey: "late-key",
      ...who,
    };
    let other: Promise<unknown> | undefined;
    // Request B has written the pending record and is about to hold X. Meanwhile request A with
    // the same key is refused and ends the record (failed); then X is restocked, so B holds it.
    const b = {
      ...deps,
      redis: faultyRedis(deps.redis, {
        commands: ["swReserve"],
        stepwise: true,
        before: async (_n, args) => {
          if (args[3] !== x || other) return;
          other = placeReservation({ ...deps, redis: faultyRedis(deps.redis, { commands: [], stepwise: true }) }, req).catch(
            (e: { code?: string }) => e.code,
          );
          expect(await other).toBe("insufficient_stock");
          await deps.redis.hincrby(deps.keys.stock(x!), "onHand", 3);
        },
      }),
    };
    await expect(placeReservation(b, req)).rejects.toMatchObject({ code: "insufficient_stock" });
    // Before the fix the 3 units of X stayed held by the failed reservation until the worker's
    // straggler pass, 10 s later.
    expect(await unitsHeldByEnded(deps, x!)).toBe(0);
    expect(await stockLevel(deps, x!)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
  });
});

describe("smaller ones", () => {
  it("a refusal is remembered, outside the cart, for the hold time plus 15 minutes under an Idempotency-Key and one hold time without", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 0 }]);
    const ask = (idempotencyKey?: string) =>
      placeReservation(deps, { sessionId: "loop", items: [{ sku: sku!, quantity: 1 }], idempotencyKey, ...who });
    await expect(ask("k1")).rejects.toMatchObject({ code: "insufficient_stock" });
    await expect(ask()).rejects.toMatchObject({ code: "insufficient_stock" });
    // Stock arrives: a retry with the same key still gets the stored answer, never a hold.
    await deps.redis.hincrby(deps.keys.stock(sku!), "onHand", 5);
    await expect(ask("k1")).rejects.toMatchObject({ code: "insufficient_stock" });
    const keys = await deps.redis.keys(`${deps.prefix}res:*`);
    const records = await Promise.all(keys.map(async (k) => ({ ttl: await deps.redis.pttl(k), record: await deps.redis.hgetall(k) })));
    const failed = records.filter(({ record }) => record.status === "failed" && record.session === "loop");
    expect(failed).toHaveLength(2);
    const hold = deps.holdTtlSeconds * 1000;
    const ttls = failed.map((r) => r.ttl).sort((a, b) => a - b);
    // The unkeyed one goes after the hold time; the keyed one outlives it by the refusal memory, so a
    // shopper's retry after the hold time (the chaos suite's abandoned carts) is still answered, while
    // a loop of refusals costs bounded memory (a held record lives a day).
    expect(ttls[0]).toBeLessThanOrEqual(hold);
    expect(ttls[1]).toBeGreaterThan(hold + REFUSAL_MEMORY_SECONDS * 1000 - 5_000);
    expect(ttls[1]).toBeLessThanOrEqual(hold + REFUSAL_MEMORY_SECONDS * 1000);
    expect((await sessionReservations(deps, "loop")).length).toBe(0);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it("on the stepwise path a refused record is bounded too: the hold time plus the refusal memory, not a day", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 0 }]);
    const stepwise = { ...deps, redis: faultyRedis(deps.redis, { commands: [], stepwise: true }) };
    const req = { sessionId: "loop-stepwise", items: [{ sku: sku!, quantity: 1 }], idempotencyKey: "k2", ...who };
    await expect(placeReservation(stepwise, req)).rejects.toMatchObject({ code: "insufficient_stock" });
    await expect(placeReservation(stepwise, req)).rejects.toMatchObject({ code: "insufficient_stock" });
    const keys = await deps.redis.keys(`${deps.prefix}res:*`);
    const mine = [];
    for (const k of keys) if ((await deps.redis.hget(k, "session")) === "loop-stepwise") mine.push(await deps.redis.pttl(k));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toBeLessThanOrEqual((deps.holdTtlSeconds + REFUSAL_MEMORY_SECONDS) * 1000);
    expect(mine[0]).toBeGreaterThan(REFUSAL_MEMORY_SECONDS * 1000);
  });

  it("an extension whose deadline entry was not moved is put right by the sweep", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const r = await placeReservation(deps, { sessionId: "ext2", items: [{ sku: sku!, quantity: 1 }], ...who });
    const broken = { ...deps, redis: faultyRedis(deps.redis, failFirst("zadd")) };
    await extendReservation(broken, "ext2", r.id).catch(() => "failed");
    const extendedTo = Number(await deps.redis.hget(deps.keys.reservation(r.id), "expiresAt"));
    expect(extendedTo).toBeGreaterThan(r.expiresAt);
    await deps.redis.zadd(deps.keys.holdDeadlines, r.expiresAt - 60_000, r.id); // the old deadline, long passed
    await sweep(deps);
    expect((await getReservation(deps, "ext2", r.id)).status).toBe("held");
    expect(Number(await deps.redis.zscore(deps.keys.holdDeadlines, r.id))).toBe(extendedTo);
  });
});
