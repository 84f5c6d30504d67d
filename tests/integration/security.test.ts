// Attacks on flash-sale admission tokens, against real Redis and Postgres (issue 6, "Bad input
// and attacks"). tests/integration/queue.test.ts already refuses forged, expired, foreign-sale
// and other-session tokens presented before use; this file replays tokens that were genuinely
// issued and then used up, outlived their turn, were given back, or were lifted by another
// session while the owner's turn is still open. Every refusal must be a DomainError with a 4xx
// status and a code, and must leave the SKU's counters and version exactly as they were.
import { afterAll, describe, expect, it } from "vitest";
import { isDomainError } from "../../lib/core/errors";
import { stockLevel } from "../../lib/stock";
import { checkout } from "../../lib/orders";
import { placeReservation } from "../../lib/reservations";
import { admitTick, createSale, joinQueue, leaveQueue, ticketStatus, type SaleInput } from "../../lib/sales";
import { signAdmissionToken } from "../../lib/sales";
import { seedSkus, testDeps, uid, TEST_QUEUE_TOKEN_SECRET } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

const sid = (tag: string) => `s_${tag}_${uid(12)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The refusal a promise ends with: its code and HTTP status (or "ok" when it succeeded). */
async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number } | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (!isDomainError(err)) throw err; // anything else would be a 5xx: fail loudly
    return { code: err.code, status: err.status };
  }
}

async function newSale(skus: string[], over: Partial<SaleInput> = {}): Promise<string> {
  const id = `sec-${uid(8).toLowerCase()}`;
  await createSale(deps, { id, name: `Security ${id}`, startsAt: new Date(Date.now() - 1000), admissionRate: 10_000, skus, ...over });
  await admitTick(deps, id); // scheduled -> live (the test stands in for the sidecar's admitter)
  return id;
}

/** Admission ticks until nothing changes. */
async function admitAll(saleId: string): Promise<string[]> {
  const admitted: string[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await admitTick(deps, saleId);
    if (!r) break;
    admitted.push(...r.admittedTickets);
    if (!r.changed) break;
  }
  return admitted;
}

/** Join, be admitted, and fetch the signed admission token the status endpoint hands out. */
async function admittedShopper(saleId: string, tag: string): Promise<{ session: string; ticket: string; token: string; deadline: number }> {
  const session = sid(tag);
  const { ticket } = await joinQueue(deps, saleId, session);
  expect(await admitAll(saleId)).toContain(ticket);
  const status = await ticketStatus(deps, saleId, session, ticket);
  expect(status.ticket.state).toBe("admitted");
  expect(status.token, "an admitted shopper gets a token").toBeTruthy();
  return { session, ticket, token: status.token!, deadline: status.ticket.deadline };
}

const levels = async (skus: string[]) =>
  Promise.all(
    skus.map(async (sku) => {
      const l = await stockLevel(deps, sku);
      return { sku, onHand: l?.onHand, reserved: l?.reserved, available: l?.available, version: l?.version };
    }),
  );

function hold(session: string, sku: string, token: string, idempotencyKey?: string, quantity = 1) {
  return placeReservation(deps, { sessionId: session, items: [{ sku, quantity }], queueToken: token, idempotencyKey, source: "test" });
}

describe("replayed admission tokens", () => {
  it("a token used up to the per-shopper limit is refused when replayed, for any SKU of the sale, and stock does not move", async () => {
    const [skuA, skuB] = await seedSkus(deps, [{ onHand: 5 }, { onHand: 5 }]);
    const saleId = await newSale([skuA!, skuB!], { perShopperLimit: 1 });
    const shopper = await admittedShopper(saleId, "buyer");

    const bought = await hold(shopper.session, skuA!, shopper.token, "first-buy");
    expect(bought.replayed).toBe(false);
    const order = await checkout(deps, {
      sessionId: shopper.session,
      reservationIds: [bought.id],
      email: "buyer@example.com",
      name: "Buyer",
      source: "test",
    });
    expect(order.orderId).toBeTruthy();
    const before = await levels([skuA!, skuB!]);
    expect(before).toMatchObject([
      { onHand: 4, reserved: 0 },
      { onHand: 5, reserved: 0 },
    ]);

    // The same token, its turn still open, again: with a fresh key, without one, on the
    // sale's other SKU, and asking for more at once.
    for (const attempt of [
      () => hold(shopper.session, skuA!, shopper.token, "second-buy"),
      () => hold(shopper.session, skuA!, shopper.token),
      () => hold(shopper.session, skuB!, shopper.token, "other-sku"),
      () => hold(shopper.session, skuB!, shopper.token, "more", 2),
    ]) {
      expect(await refusal(attempt())).toEqual({ code: "sale_limit_reached", status: 409 });
    }
    // Replaying the very first request (same key) answers the first result and holds nothing more.
    const again = await hold(shopper.session, skuA!, shopper.token, "first-buy");
    expect(again).toMatchObject({ id: bought.id, replayed: true });
    // Twenty concurrent replays: not one unit moves.
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => refusal(hold(shopper.session, i % 2 ? skuA! : skuB!, shopper.token, `burst-${i}`))),
    );
    expect(burst.every((r) => r !== "ok" && r.code === "sale_limit_reached")).toBe(true);

    expect(await levels([skuA!, skuB!])).toEqual(before);
    expect((await ticketStatus(deps, saleId, shopper.session, shopper.ticket)).ticket.units).toBe(1);
  });

  it("the used token is still refused after the shopper leaves, joins again and is admitted again", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const saleId = await newSale([sku!], { perShopperLimit: 1 });
    const shopper = await admittedShopper(saleId, "rejoin");
    await hold(shopper.session, sku!, shopper.token, "buy");
    const before = await levels([sku!]);

    expect(await leaveQueue(deps, saleId, shopper.session, shopper.ticket)).toEqual({ left: true });
    // Left: the turn is over, the unexpired token is worthless.
    expect(await refusal(hold(shopper.session, sku!, shopper.token, "after-leave"))).toEqual({ code: "queue_token_invalid", status: 403 });
    // Back in line (same ticket, since it is derived from the session) but not admitted yet.
    expect(await joinQueue(deps, saleId, shopper.session)).toMatchObject({ ticket: shopper.ticket, state: "waiting", joined: true });
    expect(await refusal(hold(shopper.session, sku!, shopper.token, "while-waiting"))).toEqual({
      code: "queue_token_invalid",
      status: 403,
    });
    // Admitted again: the old token now names an open turn, but the unit bought still counts.
    expect(await admitAll(saleId)).toEqual([shopper.ticket]);
    expect(await refusal(hold(shopper.session, sku!, shopper.token, "after-readmission"))).toEqual({
      code: "sale_limit_reached",
      status: 409,
    });

    expect(await levels([sku!])).toEqual(before);
  });

  it("a token replayed after its turn's window has passed is refused, before and after the admitter ends the turn", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const saleId = await newSale([sku!], { perShopperLimit: 2, admissionWindowSeconds: 2 });
    const shopper = await admittedShopper(saleId, "late");
    // One unit bought inside the window: the allowance (2) is not used up, so only the
    // window can stop the replay below.
    await hold(shopper.session, sku!, shopper.token, "in-time");
    // The same claims signed with the real key and a lifetime past the turn (what a JWT issued
    // by a server whose clock runs slow would carry): the turn itself must be checked, not only `exp`.
    const longLived = await signAdmissionToken(
      { saleId, ticket: shopper.ticket, sessionId: shopper.session, expiresAt: Date.now() + 3600_000 },
      TEST_QUEUE_TOKEN_SECRET,
    );
    const before = await levels([sku!]);

    await sleep(Math.max(0, shopper.deadline - Date.now()) + 1_100);
    // The admitter has not ticked yet: the hold path checks the deadline by itself.
    expect(await refusal(hold(shopper.session, sku!, shopper.token, "late-1"))).toEqual({ code: "queue_token_invalid", status: 403 });
    expect(await refusal(hold(shopper.session, sku!, longLived, "late-2"))).toEqual({ code: "queue_token_invalid", status: 403 });
    // The admitter ends the turn (the ticket is "done": it bought something).
    await admitAll(saleId);
    expect(await ticketStatus(deps, saleId, shopper.session, shopper.ticket)).toMatchObject({
      ticket: { state: "done", units: 1 },
      token: null,
    });
    expect(await refusal(hold(shopper.session, sku!, shopper.token, "late-3"))).toEqual({ code: "queue_token_invalid", status: 403 });
    expect(await refusal(hold(shopper.session, sku!, longLived, "late-4"))).toEqual({ code: "queue_token_invalid", status: 403 });

    expect(await levels([sku!])).toEqual(before);
  });

  it("a token given back unused (the shopper left the line) is refused, and the turn goes to the next shopper", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const saleId = await newSale([sku!], { perShopperLimit: 1, overAdmitPercent: 0 });
    const first = await admittedShopper(saleId, "leaver");
    const next = sid("next");
    const { ticket: nextTicket } = await joinQueue(deps, saleId, next);
    expect(await admitAll(saleId)).toEqual([]); // one unit, one turn at a time
    const before = await levels([sku!]);

    expect(await leaveQueue(deps, saleId, first.session, first.ticket)).toEqual({ left: true });
    expect(await refusal(hold(first.session, sku!, first.token, "after-leave"))).toEqual({ code: "queue_token_invalid", status: 403 });
    expect(await levels([sku!])).toEqual(before);
    // The slot went to the next in line, whose token works while the leaver's still does not.
    expect(await admitAll(saleId)).toEqual([nextTicket]);
    const nextToken = (await ticketStatus(deps, saleId, next, nextTicket)).token!;
    expect(await refusal(hold(first.session, sku!, first.token, "after-leave-2"))).toEqual({ code: "queue_token_invalid", status: 403 });
    expect(await refusal(hold(next, sku!, nextToken, "next-buys"))).toBe("ok");
    expect(await levels([sku!])).toMatchObject([{ onHand: 1, reserved: 1, available: 0, version: before[0]!.version! + 1 }]);
  });

  it("another session replaying a token is refused while the owner's turn is open and has allowance left", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const saleId = await newSale([sku!], { perShopperLimit: 3 });
    const owner = await admittedShopper(saleId, "owner");
    const mine = await hold(owner.session, sku!, owner.token, "owner-1");
    const before = await levels([sku!]);

    // A thief with a session of its own (the API gives every cookie-less caller a new one),
    // one that is itself admitted to the same sale, and one presenting the owner's
    // Idempotency-Key as well: the token is bound to the owner's session, whatever else matches.
    const thief = sid("thief");
    const admittedThief = await admittedShopper(saleId, "thief2");
    for (const attempt of [
      () => hold(thief, sku!, owner.token, "steal-1"),
      () => hold(thief, sku!, owner.token),
      () => hold(thief, sku!, owner.token, "owner-1"),
      () => hold(admittedThief.session, sku!, owner.token, "steal-2"),
    ]) {
      expect(await refusal(attempt())).toEqual({ code: "queue_token_invalid", status: 403 });
    }
    expect(await levels([sku!])).toEqual(before);
    // The owner's allowance was not touched by the attempts: two more units are still theirs.
    expect(await refusal(hold(owner.session, sku!, owner.token, "owner-2", 2))).toBe("ok");
    expect((await ticketStatus(deps, saleId, owner.session, owner.ticket)).ticket.units).toBe(3);
    expect(mine.replayed).toBe(false);
    // The thief's own token works for the thief and only within its own allowance.
    expect(await refusal(hold(admittedThief.session, sku!, admittedThief.token, "own"))).toBe("ok");
    expect(await levels([sku!])).toMatchObject([{ onHand: 10, reserved: 4, available: 6 }]);
  });
});
