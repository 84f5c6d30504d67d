// Invariant 8 of DESIGN.md (fair queue) against real Redis and Postgres: exact join order, one
// ticket per shopper, admission bounded by stock, signed tokens required for sale SKUs.
import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { checkout } from "../../lib/orders";
import { stockLevel } from "../../lib/stock";
import { expireDueReservations, placeReservation, releaseReservation, sessionReservations } from "../../lib/reservations";
import {
  admitTick,
  controlSale,
  createSale,
  joinQueue,
  leaveQueue,
  queueSnapshot,
  ticketFor,
  ticketStatus,
  updateSale,
  type SaleInput,
} from "../../lib/sales";
import { signAdmissionToken, verifyAdmissionToken } from "../../lib/sales";
import { finishStalledCheckout } from "../../lib/orders";
import { persistAllPending, rebuildFromLedger } from "../../lib/ledger";
import { seedSkus, testDeps, uid, TEST_QUEUE_TOKEN_SECRET } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };
const sid = (n: number | string) => `s_${String(n).padStart(6, "0")}_${uid(10)}`;

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );
}

async function newSale(skus: string[], over: Partial<SaleInput> = {}) {
  const id = `sale-${uid(8).toLowerCase()}`;
  await createSale(deps, {
    id,
    name: `Test sale ${id}`,
    startsAt: new Date(Date.now() - 1000),
    admissionRate: 10_000,
    skus,
    ...over,
  });
  return id;
}

/** Run admission ticks until nothing changes (the test stands in for the sidecar's admitter). */
async function admitAll(saleId: string, maxTicks = 200) {
  const admitted: string[] = [];
  for (let i = 0; i < maxTicks; i++) {
    const r = await admitTick(deps, saleId);
    if (!r) break;
    admitted.push(...r.admittedTickets);
    if (!r.changed && r.frame.status === "live") break;
  }
  return admitted;
}

async function tokenFor(saleId: string, sessionId: string) {
  const status = await ticketStatus(deps, saleId, sessionId, ticketFor(saleId, sessionId));
  return status.token;
}

describe("flash-sale queue (invariant 8)", () => {
  it("10,000 concurrent shoppers are admitted exactly in join order, once each, and never oversold", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 300 }]);
    const saleId = await newSale([sku!], { overAdmitPercent: 0 });
    await admitTick(deps, saleId); // scheduled -> live (no early arrivals)
    // Joins arrive in five waves of 2,000 concurrent requests: every join of a wave must get a
    // place behind every join of the waves before it.
    const sessions = Array.from({ length: 10_000 }, (_, i) => sid(i));
    const waves: { ticket: string; seq: number }[][] = [];
    for (let w = 0; w < 5; w++) {
      const wave = sessions.slice(w * 2000, (w + 1) * 2000);
      waves.push(await Promise.all(wave.map((s) => joinQueue(deps, saleId, s))));
    }
    const all = waves.flat();
    expect(new Set(all.map((j) => j.ticket)).size).toBe(10_000);
    expect(new Set(all.map((j) => j.seq)).size).toBe(10_000); // ties impossible
    for (let w = 1; w < waves.length; w++) {
      expect(Math.min(...waves[w]!.map((j) => j.seq))).toBeGreaterThan(Math.max(...waves[w - 1]!.map((j) => j.seq)));
    }
    // Joining again: same ticket, same place.
    const again = await joinQueue(deps, saleId, sessions[1234]!);
    expect(again).toMatchObject({ ticket: all[1234]!.ticket, seq: all[1234]!.seq, joined: false });

    // Admission follows stock: 300 units, margin 0 -> exactly 300 admitted while nobody buys.
    const firstBatch = await admitAll(saleId);
    expect(firstBatch.length).toBe(300);
    const seqOf = new Map(all.map((j) => [j.ticket, j.seq]));
    const bySeq = [...all].sort((a, b) => a.seq - b.seq).map((j) => j.ticket);
    expect(firstBatch).toEqual(bySeq.slice(0, 300));

    // Everyone admitted tries to buy 2 (limit 1) and then 1; a few extra shoppers try without a token.
    const sessionOf = new Map(sessions.map((s) => [ticketFor(saleId, s), s]));
    const results = await Promise.all(
      firstBatch.map(async (ticket) => {
        const s = sessionOf.get(ticket)!;
        const token = await tokenFor(saleId, s);
        expect(token).toBeTruthy();
        const tooMany = await codeOf(
          placeReservation(deps, { sessionId: s, items: [{ sku: sku!, quantity: 2 }], queueToken: token, source: "test" }),
        );
        expect(tooMany).toBe("sale_limit_reached");
        return codeOf(placeReservation(deps, { sessionId: s, items: [{ sku: sku!, quantity: 1 }], queueToken: token, source: "test" }));
      }),
    );
    expect(results.filter((r) => r === "ok").length).toBe(300);
    const level = await stockLevel(deps, sku!);
    expect(level).toMatchObject({ onHand: 300, reserved: 300, available: 0 });

    // Stock is all in carts: nobody else is admitted; a shopper who is not admitted cannot buy.
    expect(await admitAll(saleId)).toEqual([]);
    const outsider = sessions[9999]!;
    expect(await codeOf(placeReservation(deps, { sessionId: outsider, items: [{ sku: sku!, quantity: 1 }], source: "test" }))).toBe(
      "queue_token_required",
    );
    const snapshot = await queueSnapshot(deps, saleId, ticketFor(saleId, outsider));
    expect(snapshot.ticket).toMatchObject({ state: "waiting", position: 10_000 - 300 });
    expect(seqOf.size).toBe(10_000);
  }, 120_000);

  it("freed units go straight to the next in line; a sold-out sale closes the line at once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 2 }]);
    const saleId = await newSale([sku!], { overAdmitPercent: 0 });
    await admitTick(deps, saleId);
    const shoppers = [sid("a"), sid("b"), sid("c"), sid("d")];
    for (const s of shoppers) await joinQueue(deps, saleId, s);
    expect((await admitAll(saleId)).length).toBe(2);
    const [a, b, c, d] = shoppers as [string, string, string, string];
    const holdA = await placeReservation(deps, {
      sessionId: a,
      items: [{ sku: sku!, quantity: 1 }],
      queueToken: await tokenFor(saleId, a),
      source: "test",
    });
    const holdB = await placeReservation(deps, {
      sessionId: b,
      items: [{ sku: sku!, quantity: 1 }],
      queueToken: await tokenFor(saleId, b),
      source: "test",
    });
    expect(await admitAll(saleId)).toEqual([]);
    // B gives the unit back: C (next in line) is admitted, not D.
    await releaseReservation(deps, b, holdB.id, who);
    expect(await admitAll(saleId)).toEqual([ticketFor(saleId, c)]);
    const tokenC = await tokenFor(saleId, c);
    await placeReservation(deps, { sessionId: c, items: [{ sku: sku!, quantity: 1 }], queueToken: tokenC, source: "test" });
    // Both units sold: the line closes and D is told "sold out".
    await checkout(deps, { sessionId: a, reservationIds: [holdA.id], email: "a@example.com", name: "A", source: "test" });
    expect((await queueSnapshot(deps, saleId, null)).status).toBe("live"); // C's unit is still in a cart
    const [holdC] = await sessionReservations(deps, c);
    await checkout(deps, { sessionId: c, reservationIds: [holdC!.id], email: "c@example.com", name: "C", source: "test" });
    const tick = await admitTick(deps, saleId);
    expect(tick?.frame.status).toBe("soldout");
    expect((await queueSnapshot(deps, saleId, ticketFor(saleId, d))).ticket?.state).toBe("soldout");
    expect(await codeOf(joinQueue(deps, saleId, sid("late")))).toBe("sale_sold_out");
  });

  it("refuses forged, expired, foreign-sale and other-session tokens, and sale SKUs without one", async () => {
    const [skuA, skuB] = await seedSkus(deps, [{ onHand: 5 }, { onHand: 5 }]);
    const saleA = await newSale([skuA!]);
    const saleB = await newSale([skuB!]);
    await admitTick(deps, saleA);
    await admitTick(deps, saleB);
    const shopper = sid("tok");
    await joinQueue(deps, saleA, shopper);
    await joinQueue(deps, saleB, shopper);
    await admitAll(saleA);
    await admitAll(saleB);
    const tokenA = (await tokenFor(saleA, shopper))!;
    const ticketA = ticketFor(saleA, shopper);
    const reserve = (sessionId: string, sku: string, queueToken?: string) =>
      codeOf(placeReservation(deps, { sessionId, items: [{ sku, quantity: 1 }], queueToken, source: "test" }));

    expect(await reserve(shopper, skuA!)).toBe("queue_token_required");
    // Foreign sale: A's token for B's SKU.
    expect(await reserve(shopper, skuB!, tokenA)).toBe("queue_token_invalid");
    // Another shopper presenting A's token.
    expect(await reserve(sid("thief"), skuA!, tokenA)).toBe("queue_token_invalid");
    // Forged: same claims, wrong key; and a tampered payload.
    const forged = await signAdmissionToken(
      { saleId: saleA, ticket: ticketA, sessionId: shopper, expiresAt: Date.now() + 60_000 },
      "an-attacker-secret-0123456789",
    );
    expect(await reserve(shopper, skuA!, forged)).toBe("queue_token_invalid");
    const [h, , sig] = tokenA.split(".");
    const payload = Buffer.from(JSON.stringify({ sub: ticketA, aud: `sale:${saleA}`, iss: "stockwire", exp: 9e9 })).toString("base64url");
    expect(await reserve(shopper, skuA!, `${h}.${payload}.${sig}`)).toBe("queue_token_invalid");
    // Expired: correctly signed, past its expiry.
    const expired = await new SignJWT({ sid: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("stockwire")
      .setAudience(`sale:${saleA}`)
      .setSubject(ticketA)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(new TextEncoder().encode(TEST_QUEUE_TOKEN_SECRET));
    expect(await reserve(shopper, skuA!, expired)).toBe("queue_token_invalid");
    await expect(verifyAdmissionToken("not-a-jwt", shopper, TEST_QUEUE_TOKEN_SECRET)).rejects.toMatchObject({
      code: "queue_token_invalid",
    });
    // A token for an ordinary SKU (not in any sale) is refused too.
    const [plain] = await seedSkus(deps, [{ onHand: 5 }]);
    expect(await reserve(shopper, plain!, tokenA)).toBe("queue_token_invalid");
    // Nothing above changed stock; the valid token works.
    expect((await stockLevel(deps, skuA!))?.reserved).toBe(0);
    expect(await reserve(shopper, skuA!, tokenA)).toBe("ok");
    expect((await stockLevel(deps, skuA!))?.reserved).toBe(1);
  });

  it("shuffles the pre-queue at the start and serves later arrivals first come, first served", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1000 }]);
    const saleId = await newSale([sku!], { startsAt: new Date(Date.now() + 3600_000) });
    const early = Array.from({ length: 200 }, (_, i) => sid(`e${i}`));
    for (const s of early) expect((await joinQueue(deps, saleId, s)).state).toBe("pre");
    expect(await admitAll(saleId)).toEqual([]); // not started
    await controlSale(deps, saleId, "start", who);
    const startTick = await admitTick(deps, saleId); // shuffles the pre-queue into the line and admits
    expect(startTick?.frame.status).toBe("live");
    const late = Array.from({ length: 20 }, (_, i) => sid(`l${i}`));
    for (const s of late) await joinQueue(deps, saleId, s);
    const order = [...startTick!.admittedTickets, ...(await admitAll(saleId))];
    const earlyTickets = early.map((s) => ticketFor(saleId, s));
    const lateTickets = late.map((s) => ticketFor(saleId, s));
    expect(order.length).toBe(220);
    // Every early arrival before any late one; late ones in their exact order.
    expect(new Set(order.slice(0, 200))).toEqual(new Set(earlyTickets));
    expect(order.slice(200)).toEqual(lateTickets);
    // Shuffled: the early arrivals are not admitted in the order they came.
    expect(order.slice(0, 200)).not.toEqual(earlyTickets);
  });

  it("lapses places of absent shoppers and ends unused turns, giving the slots back", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const saleId = await newSale([sku!], { graceSeconds: 10, admissionWindowSeconds: 10, overAdmitPercent: 0 });
    await admitTick(deps, saleId);
    const [a, b, c] = [sid("ga"), sid("gb"), sid("gc")];
    for (const s of [a, b, c]) await joinQueue(deps, saleId, s);
    expect(await admitAll(saleId)).toEqual([ticketFor(saleId, a)]);
    // B's page was closed long ago (presence older than the grace); A never buys.
    const keys = deps.keys.sale(saleId);
    await deps.redis.zadd(keys.seen, Date.now() - 60_000, ticketFor(saleId, b));
    const ticks = await admitTick(deps, saleId);
    expect(ticks?.frame.departed).toEqual([2]);
    expect((await queueSnapshot(deps, saleId, ticketFor(saleId, b))).ticket?.state).toBe("lapsed");
    // A's turn ends: C, not B, gets the unit's slot.
    const ticketA = ticketFor(saleId, a);
    const rec = JSON.parse((await deps.redis.hget(keys.tickets, ticketA))!) as { d: number };
    await deps.redis.hset(keys.tickets, ticketA, JSON.stringify({ ...rec, d: Date.now() - 1 }));
    await deps.redis.zadd(keys.admitted, Date.now() - 1, ticketA);
    expect(await admitAll(saleId)).toEqual([ticketFor(saleId, c)]);
    expect((await ticketStatus(deps, saleId, a, ticketA)).ticket.state).toBe("expired");
    // A's old token is refused (the turn is over even though the JWT has not expired).
    const stale = await signAdmissionToken(
      { saleId, ticket: ticketA, sessionId: a, expiresAt: Date.now() + 60_000 },
      TEST_QUEUE_TOKEN_SECRET,
    );
    expect(
      await codeOf(placeReservation(deps, { sessionId: a, items: [{ sku: sku!, quantity: 1 }], queueToken: stale, source: "test" })),
    ).toBe("queue_token_invalid");
    // B joins again: back of the line, with a new place.
    const rejoin = await joinQueue(deps, saleId, b);
    expect(rejoin).toMatchObject({ state: "waiting", joined: true, seq: 4 });
  });

  it("leaving, pausing and admission rate", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 100 }]);
    const saleId = await newSale([sku!], { admissionRate: 2 });
    await admitTick(deps, saleId);
    const shoppers = Array.from({ length: 6 }, (_, i) => sid(`r${i}`));
    for (const s of shoppers) await joinQueue(deps, saleId, s);
    expect(await leaveQueue(deps, saleId, shoppers[1]!, ticketFor(saleId, shoppers[1]!))).toEqual({ left: true });
    await controlSale(deps, saleId, "pause", who);
    await new Promise((r) => setTimeout(r, 600));
    expect((await admitTick(deps, saleId))?.admittedTickets).toEqual([]);
    await controlSale(deps, saleId, "resume", who);
    // At 2 per second the bucket holds at most 2: one tick admits 2 at most.
    await admitTick(deps, saleId);
    await new Promise((r) => setTimeout(r, 1100));
    const tick = await admitTick(deps, saleId);
    expect(tick!.admittedTickets.length).toBeLessThanOrEqual(2);
    expect(tick!.admittedTickets.length).toBeGreaterThan(0);
    await updateSale(deps, saleId, { admissionRate: 1000 });
    await new Promise((r) => setTimeout(r, 50));
    await admitAll(saleId);
    const left = await ticketStatus(deps, saleId, shoppers[1]!, ticketFor(saleId, shoppers[1]!));
    expect(left.ticket.state).toBe("left");
    expect(left.admitted).toBe(5);
  });

  it("a Redis rebuilt from Postgres keeps the sale's SKUs behind the queue", async () => {
    const own = testDeps();
    try {
      const [sku] = await seedSkus(own, [{ onHand: 7 }]);
      const saleId = `sale-${uid(8).toLowerCase()}`;
      await createSale(own, { id: saleId, name: "rebuild", startsAt: new Date(Date.now() - 1000), admissionRate: 5, skus: [sku!] });
      await persistAllPending(own);
      // Lose everything in Redis under this prefix.
      const stream = own.redis.scanStream({ match: `${own.prefix}*`, count: 500 });
      for await (const batch of stream) if ((batch as string[]).length) await own.redis.del(...(batch as string[]));
      await rebuildFromLedger(own, { onlySkus: [sku!] });
      expect(await own.redis.hget(own.keys.stock(sku!), "sale")).toBe(saleId);
      expect(await codeOf(placeReservation(own, { sessionId: sid("rb"), items: [{ sku: sku!, quantity: 1 }], source: "test" }))).toBe(
        "queue_token_required",
      );
      expect((await queueSnapshot(own, saleId, null)).status).toBe("scheduled"); // restarts, and the admitter makes it live
      expect((await stockLevel(own, sku!))?.onHand).toBe(7);
    } finally {
      await own.close();
    }
  });

  it("expired sale holds give the shopper's allowance back", async () => {
    const short = testDeps({ holdTtlSeconds: 5 });
    try {
      const [sku] = await seedSkus(short, [{ onHand: 3 }]);
      const saleId = `sale-${uid(8).toLowerCase()}`;
      await createSale(short, { id: saleId, name: "x", startsAt: new Date(Date.now() - 1000), admissionRate: 100, skus: [sku!] });
      await admitTick(short, saleId);
      const s = sid("exp");
      await joinQueue(short, saleId, s);
      await admitTick(short, saleId);
      await new Promise((r) => setTimeout(r, 50));
      await admitTick(short, saleId);
      const token = (await ticketStatus(short, saleId, s, ticketFor(saleId, s))).token!;
      await placeReservation(short, { sessionId: s, items: [{ sku: sku!, quantity: 1 }], queueToken: token, source: "test" });
      expect((await ticketStatus(short, saleId, s, ticketFor(saleId, s))).ticket.units).toBe(1);
      await new Promise((r) => setTimeout(r, 5200));
      await expireDueReservations(short, (id) => finishStalledCheckout(short, id));
      expect((await ticketStatus(short, saleId, s, ticketFor(saleId, s))).ticket.units).toBe(0);
      expect((await stockLevel(short, sku!))?.reserved).toBe(0);
    } finally {
      await short.close();
    }
  }, 20_000);
});
