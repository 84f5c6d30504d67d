// "Hold again" (lib/reservations/again.ts) against real Redis: a new hold of an ended line's
// items, the old line cleared; a retry holds nothing twice; and the window between the two
// writes (the hold placed, the process gone before the old line was cleared) is finished by the
// next press. The failure is injected by wrapping the real client.
import { afterAll, describe, expect, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { finishStalledCheckout } from "../../lib/orders";
import { expireDueReservations, holdAgain, placeReservation, releaseReservation, sessionReservations } from "../../lib/reservations";
import { stockLevel } from "../../lib/stock";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps({ holdTtlSeconds: 1 });
afterAll(() => deps.close());

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (err: { code?: string; message?: string }) => err.code ?? String(err.message),
  );

/** A hold of `quantity` that has expired (deadline passed, the expiry worker's sweep run). */
async function expiredHold(sku: string, quantity: number) {
  const sessionId = `again-${uid()}`;
  const placed = await placeReservation(deps, { sessionId, items: [{ sku, quantity }], source: "test" });
  await new Promise((r) => setTimeout(r, 1_100));
  await expireDueReservations(deps, (id) => finishStalledCheckout(deps, id));
  return { sessionId, id: placed.id };
}

/** The real Redis client, except that the first SREM fails: the process "dies" after the new hold. */
function failFirstSrem(d: Deps): Deps {
  let failed = false;
  const redis = new Proxy(d.redis, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "srem" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (!failed) {
          failed = true;
          return Promise.reject(new Error("injected: connection lost"));
        }
        return Reflect.apply(value, target, args) as Promise<unknown>;
      };
    },
  });
  return { ...d, redis };
}

const lines = async (sessionId: string) => (await sessionReservations(deps, sessionId)).map((r) => [r.id, r.status]);

describe("holdAgain", () => {
  it("holds the same items again and clears the old line; a retry holds nothing twice", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const old = await expiredHold(sku!, 2);
    expect((await stockLevel(deps, sku!))?.reserved).toBe(0);

    const again = await holdAgain(deps, { sessionId: old.sessionId, reservationId: old.id, source: "test" });
    expect(again.items).toEqual([{ sku, quantity: 2, requested: 2 }]);
    expect(await lines(old.sessionId)).toEqual([[again.id, "held"]]);
    const retry = await holdAgain(deps, { sessionId: old.sessionId, reservationId: old.id, source: "test" });
    expect(retry.id).toBe(again.id);
    expect((await stockLevel(deps, sku!))?.reserved).toBe(2);
  });

  it("a process gone between the new hold and clearing the old line: the next press finishes, holding once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const old = await expiredHold(sku!, 1);
    expect(await codeOf(holdAgain(failFirstSrem(deps), { sessionId: old.sessionId, reservationId: old.id, source: "test" }))).toMatch(
      /injected/,
    );
    // Both lines are in the cart: the new hold and the old, ended one.
    expect((await lines(old.sessionId)).map(([, status]) => status).sort()).toEqual(["expired", "held"]);
    expect((await stockLevel(deps, sku!))?.reserved).toBe(1);

    const again = await holdAgain(deps, { sessionId: old.sessionId, reservationId: old.id, source: "test" });
    expect(await lines(old.sessionId)).toEqual([[again.id, "held"]]);
    expect((await stockLevel(deps, sku!))?.reserved).toBe(1);
  });

  it("holds what is left of a single item, and refuses a live hold or another shopper's line", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 3 }]);
    const old = await expiredHold(sku!, 3);
    await placeReservation(deps, { sessionId: `other-${uid()}`, items: [{ sku: sku!, quantity: 2 }], source: "test" });
    const again = await holdAgain(deps, { sessionId: old.sessionId, reservationId: old.id, source: "test" });
    expect(again.items).toEqual([{ sku, quantity: 1, requested: 3 }]);
    expect(await codeOf(holdAgain(deps, { sessionId: old.sessionId, reservationId: again.id, source: "test" }))).toBe(
      "reservation_not_held",
    );
    expect(await codeOf(holdAgain(deps, { sessionId: "someone-else", reservationId: old.id, source: "test" }))).toBe("not_found");
  });

  it("also holds a line the shopper removed", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    const sessionId = `again-${uid()}`;
    const placed = await placeReservation(deps, { sessionId, items: [{ sku: sku!, quantity: 2 }], source: "test" });
    await releaseReservation(deps, sessionId, placed.id, { source: "test", actor: "" });
    const again = await holdAgain(deps, { sessionId, reservationId: placed.id, source: "test" });
    expect(again.items[0]?.quantity).toBe(2);
    expect((await stockLevel(deps, sku!))?.reserved).toBe(2);
  });
});
