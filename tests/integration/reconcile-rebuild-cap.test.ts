// A rebuild never leaves more units held than onHand − safety: holds are kept oldest first
// (sold ones whatever the count) while they fit; each reservation whose hold does not fit is
// ended whole — every line given back, its record "expired" so the cart says so and checkout
// refuses it — before the counters are set. A crash anywhere in between leaves properly ended
// reservations and a SKU still to rebuild, never a live reservation with a line taken away.
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { adjustStock, stockLevel } from "../../lib/stock";
import { catchUpWithLedger, LOST_HOLD_REASON, persistAllPending, rebuildFromLedger } from "../../lib/ledger";
import { checkout } from "../../lib/orders";
import { redisNow } from "../../lib/core/redis";
import { placeReservation, sessionReservations } from "../../lib/reservations";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };
const pause = () => new Promise((r) => setTimeout(r, 5));

/**
 * X: 10 on hand. Holds, oldest first: an ended reservation's leftover (1), A 4, B 3 (+ 2 of Y), C 2.
 * Then the catalog's safety stock of X is 4 (a change Redis never took): only 6 can stay held.
 */
async function overHeld() {
  const [x, y] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 5 }]);
  const place = async (items: { sku: string; quantity: number }[]) => {
    const sessionId = `cap-${uid(8)}`;
    const r = await placeReservation(deps, { sessionId, items, ...who });
    await pause();
    return { ...r, sessionId };
  };
  const leftover = await place([{ sku: x!, quantity: 1 }]);
  await deps.redis.hset(deps.keys.reservation(leftover.id), "status", "released");
  await deps.redis.zrem(deps.keys.holdDeadlines, leftover.id);
  const a = await place([{ sku: x!, quantity: 4 }]);
  const b = await place([
    { sku: x!, quantity: 3 },
    { sku: y!, quantity: 2 },
  ]);
  const c = await place([{ sku: x!, quantity: 2 }]);
  await persistAllPending(deps);
  await deps.db.sku.update({ where: { code: x! }, data: { safety: 4 } });
  expect(await stockLevel(deps, x!)).toMatchObject({ onHand: 10, reserved: 10, safety: 0 });
  return { x: x!, y: y!, leftover, a, b, c };
}

const pay = (r: { id: string; sessionId: string }) =>
  checkout(deps, { sessionId: r.sessionId, reservationIds: [r.id], email: "s@shop.test", name: "S", source: "test" });

async function expectCapped({ x, y, leftover, a, b, c }: Awaited<ReturnType<typeof overHeld>>) {
  const level = (await stockLevel(deps, x))!;
  expect(level).toMatchObject({ onHand: 10, safety: 4, reserved: 6, available: 0 });
  expect(level.reserved).toBeLessThanOrEqual(level.onHand - level.safety);
  expect(await deps.redis.hgetall(deps.keys.holds(x))).toEqual({ [a.id]: "4", [c.id]: "2" });
  // B is ended whole: its other line is back too, and its record says why.
  expect(await stockLevel(deps, y)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  expect(await deps.redis.hmget(deps.keys.reservation(b.id), "status", "endReason")).toEqual(["expired", LOST_HOLD_REASON]);
  expect((await sessionReservations(deps, b.sessionId)).map((r) => r.status)).toEqual(["expired"]);
  await expect(pay(b)).rejects.toMatchObject({ code: "reservation_expired" });
  expect(await deps.redis.hget(deps.keys.reservation(leftover.id), "status")).toBe("released");
  // The holds kept check out as usual.
  await pay(a);
  expect(await stockLevel(deps, x)).toMatchObject({ onHand: 6, reserved: 2, available: 0 });
}

describe("a rebuild keeps only the holds that fit", () => {
  it("keeps holds oldest first up to onHand − safety and ends the reservations that no longer fit", async () => {
    const s = await overHeld();
    const report = await rebuildFromLedger(deps, { onlySkus: [s.x, s.y] });
    expect(report.lostHolds).toEqual([
      { sku: s.x, reservationId: s.b.id, units: 3, previous: "held" },
      { sku: s.x, reservationId: s.leftover.id, units: 1, previous: "" },
    ]);
    expect(report).toMatchObject({ rebuilt: 1, notRebuilt: [], oversold: [] });
    await persistAllPending(deps);
    const events = await deps.db.inventoryEvent.findMany({ where: { sku: s.x, version: { gt: 5 } }, orderBy: { version: "asc" } });
    expect(events.map((e) => [e.type, e.reservationId, e.delta, e.reserved, e.safety])).toEqual([
      ["expire", s.b.id, 3, 7, 0],
      ["release", s.leftover.id, 1, 6, 0],
      ["rebuild", null, 0, 6, 4],
    ]);
    await expectCapped(s);
  });

  it("a sold hold is kept even when it alone does not fit, and the SKU is reported oversold", async () => {
    const [x] = await seedSkus(deps, [{ onHand: 5 }]);
    const sold = await placeReservation(deps, { sessionId: `cap-${uid(8)}`, items: [{ sku: x!, quantity: 4 }], ...who });
    const key = deps.keys.reservation(sold.id);
    await deps.redis.swTransitionReservation(key, "held", "committing", "", "committingSince", String(await redisNow(deps.redis)));
    await deps.redis.swTransitionReservation(key, "committing", "committed", "", "orderId", crypto.randomUUID(), "orderNumber", "SW-CAP");
    const later = await placeReservation(deps, { sessionId: `cap-${uid(8)}`, items: [{ sku: x!, quantity: 1 }], ...who });
    await persistAllPending(deps);
    await deps.db.sku.update({ where: { code: x! }, data: { safety: 2 } });
    const report = await rebuildFromLedger(deps, { onlySkus: [x!] });
    expect(report.lostHolds.map((l) => l.reservationId)).toEqual([later.id]);
    expect(report.oversold).toEqual([x]);
    expect(await deps.redis.hgetall(deps.keys.holds(x!))).toEqual({ [sold.id]: "4" });
    expect(await stockLevel(deps, x!)).toMatchObject({ onHand: 5, safety: 2, reserved: 4, available: -1 });
  });

  it("a crash before or after ending the reservations that do not fit leaves no live reservation with a line taken away", async () => {
    // Crash before anything was ended: nothing changed, every reservation has all its lines.
    const s = await overHeld();
    const noEnd: Deps = { ...deps, redis: failing(deps.redis, "swEndReservation", () => true) };
    await expect(rebuildFromLedger(noEnd, { onlySkus: [s.x] })).rejects.toThrow(/injected/);
    expect(await stockLevel(deps, s.x)).toMatchObject({ onHand: 10, reserved: 10, safety: 0 });
    expect(await deps.redis.hgetall(deps.keys.holds(s.x))).toEqual({ [s.leftover.id]: "1", [s.a.id]: "4", [s.b.id]: "3", [s.c.id]: "2" });
    expect(await deps.redis.hget(deps.keys.reservation(s.b.id), "status")).toBe("held");

    // Crash after B was ended, before the counters were set: B is ended whole (both lines back,
    // checkout refused), the rest still held, reserved = the holds; the next rebuild finishes.
    let rebuilds = 0;
    const dies: Deps = { ...deps, redis: failing(deps.redis, "swRebuild", () => ++rebuilds > 1) };
    await expect(rebuildFromLedger(dies, { onlySkus: [s.x] })).rejects.toThrow(/injected/);
    expect(await deps.redis.hget(deps.keys.reservation(s.b.id), "status")).toBe("expired");
    expect(await deps.redis.hgetall(deps.keys.holds(s.x))).toEqual({ [s.a.id]: "4", [s.c.id]: "2" });
    expect(await stockLevel(deps, s.x)).toMatchObject({ onHand: 10, reserved: 6, safety: 0 });
    expect(await stockLevel(deps, s.y)).toMatchObject({ reserved: 0 });
    await expect(pay(s.b)).rejects.toMatchObject({ code: "reservation_expired" });

    await rebuildFromLedger(deps, { onlySkus: [s.x, s.y] });
    await expectCapped(s);
  });
});

/** The real client, with calls of `command` failing while `when()` says so. */
function failing(real: Redis, command: string, when: () => boolean): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop !== command) return fn;
      return (...args: unknown[]) => (when() ? Promise.reject(new Error(`injected: ${command} lost`)) : fn(...args));
    },
  });
}

describe("a SKU behind the ledger whose holds do not fit", () => {
  it("is renumbered before the endings, so no event reuses a ledger version, then rebuilt", async () => {
    const [x] = await seedSkus(deps, [{ onHand: 10 }]); // v1
    for (let i = 0; i < 3; i++) await adjustStock(deps, { sku: x!, delta: -2, reason: "damaged", ...who }); // v2..v4: 4 left
    await persistAllPending(deps);
    // Restored to version 1 (10 on hand); two holds land on the stale counters (versions 2 and 3 again).
    await deps.redis.hset(deps.keys.stock(x!), "version", 1, "persisted", 1, "onHand", 10);
    const a = await placeReservation(deps, { sessionId: `cap-${uid(8)}`, items: [{ sku: x!, quantity: 3 }], ...who });
    await pause();
    const b = await placeReservation(deps, { sessionId: `cap-${uid(8)}`, items: [{ sku: x!, quantity: 3 }], ...who });

    const { behind, report } = await catchUpWithLedger(deps, { onlySkus: [x!] });
    expect(behind).toMatchObject([{ sku: x, redisVersion: 3, ledgerVersion: 4 }]);
    expect(report?.lostHolds.map((l) => l.reservationId)).toEqual([b.id]);
    expect(await stockLevel(deps, x!)).toMatchObject({ onHand: 4, reserved: 3, available: 1, version: 6 });
    expect(await deps.redis.hgetall(deps.keys.holds(x!))).toEqual({ [a.id]: "3" });
    await persistAllPending(deps);
    const ledger = await deps.db.inventoryEvent.findMany({ where: { sku: x! }, orderBy: { version: "asc" } });
    expect(ledger.map((e) => [e.version, e.type])).toEqual([
      [1, "set"],
      [2, "adjust"],
      [3, "adjust"],
      [4, "adjust"],
      [5, "expire"],
      [6, "rebuild"],
    ]);
    // Only the two holds made on the stale counters are held for review.
    expect((await deps.db.quarantinedEvent.findMany({ where: { sku: x! } })).map((q) => [q.kind, q.version]).sort()).toEqual([
      ["version_collision", 2],
      ["version_collision", 3],
    ]);
  });
});
