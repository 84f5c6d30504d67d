// Checkout tells the truth when a call fails after the order was written (found by review of the
// fault suite's fixes, issue 12): the shopper is never told "no" for an order that is then
// confirmed, and an order row left by a lost answer is never confirmed for a cart it does not match.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { checkout } from "../../lib/orders";
import { placeReservation } from "../../lib/reservations";
import { stockLevel } from "../../lib/stock";
import { FaultInjector } from "../faults/inject";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

const session = () => `s_${uid(10)}${uid(10)}abc`;
const hold = async (sessionId: string, sku: string, quantity: number) =>
  (await placeReservation(deps, { sessionId, items: [{ sku, quantity }], source: "test" })).id;
const order = (sessionId: string, reservationIds: string[]) => ({
  sessionId,
  reservationIds,
  email: "a@b.test",
  name: "A",
  source: "test",
});

describe("checkout after the order row is written", () => {
  it("a Redis failure while selling answers checkout_in_progress, never a 500, and the retry gets the confirmed order", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const s = session();
    const id = await hold(s, sku!, 2);
    const inj = new FaultInjector([{ at: "swCommit", mode: "fail" }]);
    const first = await checkout(inj.deps(deps), order(s, [id])).then(
      () => "ok",
      (err: { code?: string }) => err.code ?? String(err),
    );
    inj.dispose();
    expect(first).toBe("checkout_in_progress");
    const retried = await checkout(deps, order(s, [id]));
    const row = await deps.db.order.findUnique({ where: { id: retried.orderId } });
    expect(row?.status).toBe("confirmed");
    expect((await stockLevel(deps, sku!))!.onHand).toBe(3);
  });

  it("a lost answer to the order's insert (it committed) still confirms that order, once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const s = session();
    const id = await hold(s, sku!, 1);
    const inj = new FaultInjector([{ at: "db.order.create", mode: "fail-after" }]);
    const placed = await checkout(inj.deps(deps), order(s, [id]));
    inj.dispose();
    const orders = await deps.db.order.findMany({ where: { sessionId: s } });
    expect(orders.map((o) => [o.id, o.status])).toEqual([[placed.orderId, "confirmed"]]);
    expect((await stockLevel(deps, sku!))!.onHand).toBe(4);
  });

  it("a pending order left for other holds is failed, not reused, when a different cart checks out", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 5 }, { onHand: 5 }]);
    const s = session();
    const r1 = await hold(s, a!, 1);
    const r2 = await hold(s, b!, 1);
    // What a lost COMMIT during an outage leaves: a pending order linked to both holds, which
    // went back to the cart.
    const leftover = randomUUID();
    await deps.db.order.create({
      data: {
        id: leftover,
        number: `SW-T${uid(6)}`,
        sessionId: s,
        email: "a@b.test",
        name: "A",
        totalCents: 0,
        reservations: { create: [{ reservationId: r1 }, { reservationId: r2 }] },
      },
    });
    const placed = await checkout(deps, order(s, [r1]));
    expect(placed.orderId).not.toBe(leftover);
    expect((await deps.db.order.findUnique({ where: { id: leftover } }))?.status).toBe("failed");
    const lines = await deps.db.orderLine.findMany({ where: { orderId: placed.orderId } });
    expect(lines.map((l) => [l.sku, l.quantity])).toEqual([[a, 1]]);
    // The other hold is still the shopper's, and can be bought on its own.
    const second = await checkout(deps, order(s, [r2]));
    expect((await deps.db.order.findUnique({ where: { id: second.orderId } }))?.status).toBe("confirmed");
  });
});
