// Reconciliation finds holds that belong to no live reservation ("orphan holds": nothing else
// would ever give their units back) and, on repair, gives back exactly those, once, with a
// normal stock event; holds of live reservations, of a sale being finished and of an ending the
// expiry worker is finishing are left alone.
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { stockLevel } from "../../lib/stock";
import { persistAllPending, releaseOrphanHold } from "../../lib/ledger";
import { findDrift, ORPHAN_REASON, reconcile } from "../../lib/ledger";
import { redisNow } from "../../lib/core/redis";
import { placeReservation } from "../../lib/reservations";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };
const sid = () => `orph-${uid(8)}`;

async function hold(items: { sku: string; quantity: number }[]) {
  return placeReservation(deps, { sessionId: sid(), items, ...who });
}

/** held -> committing -> committed, as a checkout does, without selling yet. */
async function commitWithoutSelling(id: string) {
  const key = deps.keys.reservation(id);
  await deps.redis.swTransitionReservation(key, "held", "committing", "", "committingSince", String(await redisNow(deps.redis)));
  await deps.redis.swTransitionReservation(key, "committing", "committed", "", "orderId", crypto.randomUUID(), "orderNumber", "SW-TEST");
}

const orphanRows = (drifts: { field: string; sku: string; redis: number | null; reservationId?: string }[]) =>
  drifts
    .filter((d) => d.field === "orphan_hold" || d.field === "stalled_checkout")
    .map((d) => [d.field, d.sku, d.reservationId, d.redis])
    .sort((a, b) => String(a[2]).localeCompare(String(b[2])) || String(a[1]).localeCompare(String(b[1])));

describe("orphan holds", () => {
  it("are reported as drift, left alone when live, sold or being finished, and given back once on repair", async () => {
    const [sku, other] = await seedSkus(deps, [{ onHand: 20 }, { onHand: 5 }]);
    // How the old code leaked: the record ended ("released") but a line's release never ran.
    const leaked = await hold([{ sku: sku!, quantity: 3 }]);
    await deps.redis.hset(deps.keys.reservation(leaked.id), "status", "released");
    await deps.redis.zrem(deps.keys.holdDeadlines, leaked.id);
    // The record is gone altogether (it outlived its 24 h grace, or was lost).
    const gone = await hold([{ sku: sku!, quantity: 2 }]);
    await deps.redis.del(deps.keys.reservation(gone.id));
    await deps.redis.zrem(deps.keys.holdDeadlines, gone.id);
    // Live by its state, but past its deadline and off the expiry worker's list: it would never end.
    const stuck = await hold([
      { sku: other!, quantity: 1 },
      { sku: sku!, quantity: 1 },
    ]);
    await deps.redis.hset(deps.keys.reservation(stuck.id), "expiresAt", (await redisNow(deps.redis)) - 1000);
    await deps.redis.zrem(deps.keys.holdDeadlines, stuck.id);
    // Not orphans: a live hold, a sale being finished (on the to-do list), an ending the expiry
    // worker is finishing (ended, still on the list).
    const live = await hold([{ sku: sku!, quantity: 4 }]);
    const sold = await hold([{ sku: sku!, quantity: 2 }]);
    await commitWithoutSelling(sold.id);
    const finishing = await hold([{ sku: sku!, quantity: 1 }]);
    await deps.redis.hset(deps.keys.reservation(finishing.id), "status", "expired");
    await deps.redis.zadd(deps.keys.holdDeadlines, (await redisNow(deps.redis)) + 60_000, finishing.id);
    // A committed reservation nothing will finish (off the list): a sale, never given back.
    const unsold = await hold([{ sku: sku!, quantity: 2 }]);
    await commitWithoutSelling(unsold.id);
    await deps.redis.zrem(deps.keys.holdDeadlines, unsold.id);
    await persistAllPending(deps);
    const before = (await stockLevel(deps, sku!))!;
    expect(before).toMatchObject({ onHand: 20, reserved: 15 });

    const report = await reconcile(deps, { trigger: "manual", onlySkus: [sku!, other!] });
    expect(orphanRows(report.drifts)).toEqual(
      orphanRows([
        { field: "orphan_hold", sku: sku!, reservationId: leaked.id, redis: 3 },
        { field: "orphan_hold", sku: sku!, reservationId: gone.id, redis: 2 },
        { field: "orphan_hold", sku: sku!, reservationId: stuck.id, redis: 1 },
        { field: "orphan_hold", sku: other!, reservationId: stuck.id, redis: 1 },
        { field: "stalled_checkout", sku: sku!, reservationId: unsold.id, redis: 2 },
      ]),
    );
    expect(report.drifts.filter((d) => !["orphan_hold", "stalled_checkout"].includes(d.field))).toEqual([]);
    expect(report).toMatchObject({ drifted: 2, repaired: 0 });
    // Report only: nothing moved.
    expect(await stockLevel(deps, sku!)).toEqual(before);
    const stored = await deps.db.reconciliationDrift.findMany({ where: { runId: report.id, field: "orphan_hold" } });
    expect(stored.map((d) => [d.sku, d.redis, d.expected, d.repaired]).sort()).toEqual(
      [
        [sku, 1, 0, false],
        [sku, 2, 0, false],
        [sku, 3, 0, false],
        [other, 1, 0, false],
      ].sort(),
    );

    const repair = await reconcile(deps, { repair: true, trigger: "manual", actor: "ops@shop.test", onlySkus: [sku!, other!] });
    expect(repair).toMatchObject({ drifted: 2, repaired: 2 });
    expect(repair.drifts.every((d) => d.repaired)).toBe(true);

    // Exactly the orphans' units are back; the unfinished sale was sold, not given back.
    const after = (await stockLevel(deps, sku!))!;
    expect(after).toMatchObject({ onHand: 18, reserved: 4 + 2 + 1 });
    expect((await stockLevel(deps, other!))!).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    const holds = await deps.redis.hgetall(deps.keys.holds(sku!));
    expect(holds).toEqual({ [live.id]: "4", [sold.id]: "2", [finishing.id]: "1" });
    expect(await deps.redis.hget(deps.keys.reservation(stuck.id), "status")).toBe("expired");

    // Each repair is a normal stock event in the ledger (the live pages and the ledger see it).
    await persistAllPending(deps);
    const events = await deps.db.inventoryEvent.findMany({
      where: { sku: sku!, version: { gt: before.version } },
      orderBy: { version: "asc" },
    });
    const byReservation = (id: string) => events.filter((e) => e.reservationId === id).map((e) => [e.type, e.delta, e.source, e.reason]);
    expect(byReservation(leaked.id)).toEqual([["release", 3, "reconciliation", ORPHAN_REASON]]);
    expect(byReservation(gone.id)).toEqual([["release", 2, "reconciliation", ORPHAN_REASON]]);
    expect(byReservation(stuck.id)).toEqual([["expire", 1, "reconciliation", null]]);
    expect(byReservation(unsold.id)).toEqual([["sale", -2, "checkout", "SW-TEST"]]);
    expect(events.filter((e) => [live.id, sold.id, finishing.id].includes(e.reservationId ?? ""))).toEqual([]);
    expect(events.at(-1)).toMatchObject({ reserved: after.reserved, onHand: after.onHand });

    // Clean now, and running again gives nothing back twice.
    expect((await findDrift(deps, { onlySkus: [sku!, other!] })).drifts).toEqual([]);
    await reconcile(deps, { repair: true, trigger: "manual", onlySkus: [sku!, other!] });
    expect(await stockLevel(deps, sku!)).toEqual(after);
  });

  it("a hold is given back only while it has the units seen and no live reservation owns it, on one node and stepwise", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const live = await hold([{ sku: sku!, quantity: 2 }]);
    const ended = await hold([{ sku: sku!, quantity: 3 }]);
    await deps.redis.hset(deps.keys.reservation(ended.id), "status", "failed");
    await deps.redis.zrem(deps.keys.holdDeadlines, ended.id);
    const onTodo = await hold([{ sku: sku!, quantity: 1 }]);
    await deps.redis.hset(deps.keys.reservation(onTodo.id), "status", "expired");
    const reason = { source: "test", reason: ORPHAN_REASON };
    const stepwise = { ...deps, redis: asCluster(deps.redis) };

    for (const d of [deps, stepwise]) {
      expect(await releaseOrphanHold(d, sku!, live.id, 2, reason)).toMatchObject({ released: false, refusal: "live" });
      expect(await releaseOrphanHold(d, sku!, onTodo.id, 1, reason)).toMatchObject({ released: false, refusal: "on_todo" });
      expect(await releaseOrphanHold(d, sku!, ended.id, 2, reason)).toMatchObject({ released: false, refusal: "changed" });
    }
    expect((await stockLevel(deps, sku!))!.reserved).toBe(6);
    expect(await releaseOrphanHold(deps, sku!, ended.id, 3, reason)).toMatchObject({ released: true });
    expect(await releaseOrphanHold(deps, sku!, ended.id, 3, reason)).toMatchObject({ released: false, refusal: "changed" });
    expect((await stockLevel(deps, sku!))!.reserved).toBe(3);

    // Stepwise (Cluster), a missing record is first replaced by an ended one, so the id can
    // not come back to life (a retry with the same Idempotency-Key) and take the hold for its own.
    const lost = await hold([{ sku: sku!, quantity: 2 }]);
    await deps.redis.del(deps.keys.reservation(lost.id));
    await deps.redis.zrem(deps.keys.holdDeadlines, lost.id);
    expect(await releaseOrphanHold(stepwise, sku!, lost.id, 2, reason)).toMatchObject({ released: true });
    expect(await deps.redis.hget(deps.keys.reservation(lost.id), "status")).toBe("released");
    expect(await deps.redis.ttl(deps.keys.reservation(lost.id))).toBeGreaterThan(0);
    expect((await stockLevel(deps, sku!))!).toMatchObject({ reserved: 3, available: 7 });
  });
});

/** The real client taking Cluster's stepwise code paths (lib/ledger/catch-up.ts checks `isCluster`). */
function asCluster(real: Redis): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "isCluster") return true;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
