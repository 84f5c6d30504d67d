// Channels against real Postgres and Redis: inbound webhooks (signature, idempotency by event
// id, ordering of absolute reports, unknown SKUs) and outbound webhooks to a real local HTTP
// receiver (signatures, retries with growing delays, giving up) that never touch the shop.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { receiveChannelEvent, signBody } from "../../lib/channels";
import { adjustStock, stockLevel } from "../../lib/stock";
import { persistSkuEvents } from "../../lib/ledger";
import { placeReservation } from "../../lib/reservations";
import { createWebhookSubscription, deliverDueWebhooks, enqueueStockEvent, listWebhookDeliveries, retryDelayMs } from "../../lib/webhooks";
import { startWebhookWorker } from "../../server/workers";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
const SECRET = "test-webhook-secret-0123456789";
afterAll(() => deps.close());

function send(channel: string, body: object, opts: { signature?: string | null; secret?: string } = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  const signature = opts.signature === undefined ? signBody(SECRET, raw) : opts.signature;
  return receiveChannelEvent(deps, { channel, rawBody: raw, signature, secret: opts.secret ?? SECRET });
}

const channelOf = () => `shop-${uid(6).toLowerCase()}`;
const rows = (channel: string) => deps.db.channelDelivery.findMany({ where: { channel }, orderBy: { receivedAt: "asc" } });
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );

describe("inbound channel webhooks", () => {
  it("a validly signed event applies once, as one channel event in the ledger; a repeat changes nothing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const channel = channelOf();
    const event = { eventId: `evt-${uid(8)}`, sku: sku!, delta: -3, occurredAt: new Date().toISOString() };

    const first = await send(channel, event);
    expect(first).toMatchObject({ status: "applied", sku, onHand: 7, available: 7, version: 2 });
    // Bare hex is accepted as well as sha256=<hex>.
    const bare = createHmac("sha256", SECRET).update(JSON.stringify(event)).digest("hex");
    const again = await send(channel, event, { signature: bare });
    expect(again).toEqual({ status: "duplicate", eventId: event.eventId, first: "applied" });
    // Concurrent repeats are still one change.
    const burst = await Promise.all(Array.from({ length: 5 }, () => send(channel, event)));
    expect(burst.every((r) => r.status === "duplicate")).toBe(true);

    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 7, version: 2 });
    await persistSkuEvents(deps, sku!);
    const ledger = await deps.db.inventoryEvent.findMany({ where: { sku: sku! }, orderBy: { version: "asc" } });
    expect(ledger.map((e) => [e.version, e.type, e.delta, e.source, e.actor])).toEqual([
      [1, "set", 10, "test", null],
      [2, "channel", -3, `channel:${channel}`, event.eventId],
    ]);
    const log = await rows(channel);
    expect(log.map((r) => r.status)).toEqual(["applied", ...Array(6).fill("duplicate")]);
    expect(log[0]).toMatchObject({ version: 2, delta: -3, sku });
  });

  it("a missing, wrong or foreign-key signature is 401 invalid_signature and changes nothing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    const channel = channelOf();
    const event = { eventId: `evt-${uid(8)}`, sku: sku!, delta: 2, occurredAt: new Date().toISOString() };
    expect(await codeOf(send(channel, event, { signature: null }))).toBe("invalid_signature");
    expect(await codeOf(send(channel, event, { signature: "sha256=" + "0".repeat(64) }))).toBe("invalid_signature");
    expect(await codeOf(send(channel, event, { signature: "sha256=zz" }))).toBe("invalid_signature");
    expect(await codeOf(send(channel, event, { signature: signBody("another-secret-0123456789", JSON.stringify(event)) }))).toBe(
      "invalid_signature",
    );
    // Signed over other bytes than those sent (a tampered body).
    const raw = Buffer.from(JSON.stringify({ ...event, delta: 200 }));
    expect(
      await codeOf(
        receiveChannelEvent(deps, { channel, rawBody: raw, signature: signBody(SECRET, JSON.stringify(event)), secret: SECRET }),
      ),
    ).toBe("invalid_signature");
    // No secret configured: nothing is accepted.
    const unsigned = Buffer.from(JSON.stringify(event));
    expect(
      await codeOf(receiveChannelEvent(deps, { channel, rawBody: unsigned, signature: signBody(SECRET, unsigned), secret: undefined })),
    ).toBe("invalid_signature");
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 4, version: 1 });
    expect(await rows(channel)).toHaveLength(0);
  });

  it("bad input is a 400 with a code, never applied", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    const channel = channelOf();
    const base = { eventId: `evt-${uid(8)}`, sku: sku!, delta: 1, occurredAt: new Date().toISOString() };
    for (const bad of [
      { ...base, delta: 0 },
      { ...base, delta: 1.5 },
      { ...base, occurredAt: "yesterday" },
      { ...base, eventId: "" },
      { ...base, eventId: "x".repeat(201) },
    ]) {
      expect(await codeOf(send(channel, bad))).toBe("invalid_request");
    }
    const notJson = Buffer.from("{not json");
    expect(
      await codeOf(receiveChannelEvent(deps, { channel, rawBody: notJson, signature: signBody(SECRET, notJson), secret: SECRET })),
    ).toBe("invalid_request");
    expect(await codeOf(send("Bad Channel!", base))).toBe("invalid_request");
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 4, version: 1 });
  });

  // Source times relative to now: counts older than the window of kept movements are stale.
  const T0 = Date.now() - 600_000;
  const ago = (s: number) => new Date(T0 + s * 1000).toISOString();
  const events = async (sku: string) => (await deps.redis.xrange(deps.keys.events(sku), "-", "+")).length;

  it("counts and movements delivered in any order end at the true count (count 20@t0, -2@t1, -5@t2: 13)", async () => {
    const reports = [
      // A today's-style count that also carries the channel's delta: the delta is never applied.
      { eventId: "count-t0", delta: 5, onHand: 20, occurredAt: ago(0) },
      { eventId: "sale-t1", delta: -2, occurredAt: ago(10) },
      { eventId: "sale-t2", delta: -5, occurredAt: ago(20) },
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const skus = await seedSkus(
      deps,
      orders.map(() => ({ onHand: 40 })),
    );
    for (const [i, order] of orders.entries()) {
      const sku = skus[i]!;
      const channel = channelOf();
      for (const r of order) await send(channel, { ...reports[r]!, sku });
      expect(await stockLevel(deps, sku), `order ${order.join(",")}`).toMatchObject({ onHand: 13 });
    }
    // The reverse order, step by step: both sales land before the count, which then includes them.
    const [sku] = await seedSkus(deps, [{ onHand: 40 }]);
    const channel = channelOf();
    expect(await send(channel, { ...reports[2]!, sku: sku! })).toMatchObject({ status: "applied", onHand: 35 });
    expect(await send(channel, { ...reports[1]!, sku: sku! })).toMatchObject({ status: "applied", onHand: 33 });
    expect(await send(channel, { ...reports[0]!, sku: sku! })).toMatchObject({ status: "applied", onHand: 13 });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 13, version: 4 });
    await persistSkuEvents(deps, sku!);
    const ledger = await deps.db.inventoryEvent.findMany({ where: { sku: sku! }, orderBy: { version: "asc" } });
    expect(ledger.map((e) => [e.type, e.delta, e.onHand, e.actor])).toEqual([
      ["set", 40, 40, null],
      ["channel", -5, 35, "sale-t2"],
      ["channel", -2, 33, "sale-t1"],
      ["channel", -20, 13, "count-t0"],
    ]);
  });

  it("the worked example of docs/channels.md gives the levels it shows", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 40 }]);
    const channel = channelOf();
    const at = (s: number) => ago(60 + s); // 10:00:00 is ago(60)
    const steps: [object, object][] = [
      [
        { eventId: "sale-t2", delta: -5, occurredAt: at(20) },
        { status: "applied", onHand: 35 },
      ],
      [
        { eventId: "sale-t1", delta: -2, occurredAt: at(10) },
        { status: "applied", onHand: 33 },
      ],
      [
        { eventId: "count-t0", onHand: 20, occurredAt: at(0) },
        { status: "applied", onHand: 13 },
      ],
      [
        { eventId: "count-t1", onHand: 18, occurredAt: at(10) },
        { status: "applied", onHand: 13 },
      ],
      [
        { eventId: "count-old", onHand: 25, occurredAt: at(-60) },
        { status: "stale", newerThan: "count-t1" },
      ],
      [
        { eventId: "sale-late", delta: -1, occurredAt: at(5) },
        { status: "stale", newerThan: "count-t1" },
      ],
      [
        { eventId: "return-1", delta: 1, occurredAt: at(30) },
        { status: "applied", onHand: 14 },
      ],
    ];
    for (const [report, expected] of steps) expect(await send(channel, { ...report, sku: sku! })).toMatchObject(expected);
    // count-t1 changed nothing: no event for it.
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 14, version: 5 });
  });

  it("the issue's reports 20 -> (-2, onHand 18) -> (-5, onHand 13) delivered out of order end at 13", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 20 }]);
    const channel = channelOf();
    expect(await send(channel, { eventId: "r-2", sku: sku!, delta: -5, onHand: 13, occurredAt: ago(20) })).toMatchObject({
      status: "applied",
      onHand: 13,
    });
    expect(await send(channel, { eventId: "r-1", sku: sku!, delta: -2, onHand: 18, occurredAt: ago(10) })).toMatchObject({
      status: "stale",
      newerThan: "r-2",
    });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 13, version: 2 });
  });

  it("a count older than (or as old as) an applied count changes nothing; a movement it includes is not applied", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 50 }]);
    const channel = channelOf();
    expect(await send(channel, { eventId: "c-2", sku: sku!, onHand: 30, delta: 4, occurredAt: ago(20) })).toMatchObject({
      status: "applied",
      onHand: 30,
    });
    expect(await send(channel, { eventId: "c-1", sku: sku!, onHand: 10, delta: -1, occurredAt: ago(10) })).toEqual({
      status: "stale",
      eventId: "c-1",
      sku,
      newerThan: "c-2",
    });
    expect(await send(channel, { eventId: "c-2b", sku: sku!, onHand: 11, occurredAt: ago(20) })).toMatchObject({
      status: "stale",
      newerThan: "c-2",
    });
    // A sale at t15 is inside the count taken at t20: recorded, not applied.
    expect(await send(channel, { eventId: "m-15", sku: sku!, delta: -3, occurredAt: ago(15) })).toMatchObject({
      status: "stale",
      newerThan: "c-2",
    });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 30, version: 2 });
    expect(await events(sku!)).toBe(2);
    // After the count: applied. A newer count sets the level; another channel is ordered on its own.
    expect(await send(channel, { eventId: "m-25", sku: sku!, delta: -1, occurredAt: ago(25) })).toMatchObject({
      status: "applied",
      onHand: 29,
    });
    expect(await send(channel, { eventId: "c-3", sku: sku!, onHand: 31, occurredAt: ago(30) })).toMatchObject({
      status: "applied",
      onHand: 31,
    });
    expect(await send(channelOf(), { eventId: "c-1", sku: sku!, onHand: 9, occurredAt: ago(1) })).toMatchObject({
      status: "applied",
      onHand: 9,
    });
    const log = await rows(channel);
    expect(log.map((r) => [r.eventId, r.status])).toEqual([
      ["c-2", "applied"],
      ["c-1", "stale"],
      ["c-2b", "stale"],
      ["m-15", "stale"],
      ["m-25", "applied"],
      ["c-3", "applied"],
    ]);
    expect(log[1]!.error).toMatch(/c-2/);
    // Repeating the stale report is a duplicate, still not applied.
    expect(await send(channel, { eventId: "c-1", sku: sku!, onHand: 10, occurredAt: ago(10) })).toMatchObject({
      status: "duplicate",
      first: "stale",
    });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 9 });
  });

  it("an occurredAt more than 5 minutes ahead is 400 invalid_request, not recorded, not applied", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const channel = channelOf();
    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
    expect(await codeOf(send(channel, { eventId: "f-1", sku: sku!, onHand: 99, occurredAt: ahead(6 * 60_000) }))).toBe("invalid_request");
    expect(await codeOf(send(channel, { eventId: "f-2", sku: sku!, delta: -1, occurredAt: ahead(24 * 3_600_000) }))).toBe(
      "invalid_request",
    );
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 10, version: 1 });
    expect(await rows(channel)).toHaveLength(0);
    // Within the allowed skew it is a report like any other, and later counts are not blocked by it.
    expect(await send(channel, { eventId: "f-3", sku: sku!, onHand: 8, occurredAt: ahead(60_000) })).toMatchObject({
      status: "applied",
      onHand: 8,
    });
  });

  it("numbers beyond a Postgres integer are 400 and change nothing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const channel = channelOf();
    const now = new Date().toISOString();
    for (const bad of [
      { eventId: "big-1", sku: sku!, delta: 2_147_483_648, occurredAt: now },
      { eventId: "big-2", sku: sku!, delta: -2_147_483_649, occurredAt: now },
      { eventId: "big-3", sku: sku!, onHand: 2_147_483_648, occurredAt: now },
      { eventId: "big-4", sku: sku!, delta: 2 ** 53, occurredAt: now },
    ]) {
      expect(await codeOf(send(channel, bad)), bad.eventId).toBe("invalid_request");
    }
    // A delta that fits, on a level it would push past the limit: refused by the script, recorded.
    const refused = await send(channel, { eventId: "big-5", sku: sku!, delta: 2_147_483_640, occurredAt: now }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "invalid_request", details: { reason: "on_hand_out_of_range", maxIncrease: 2_147_483_637 } });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 10, version: 1 });
    expect((await rows(channel)).map((r) => [r.eventId, r.status])).toEqual([["big-5", "rejected"]]);
  });

  it("an unknown SKU is 404 and recorded as rejected; an impossible decrease is 409 and rejected", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 2 }]);
    const channel = channelOf();
    expect(await codeOf(send(channel, { eventId: "u-1", sku: `NOPE-${uid(8)}`, delta: 1, occurredAt: new Date().toISOString() }))).toBe(
      "unknown_sku",
    );
    expect(await codeOf(send(channel, { eventId: "u-2", sku: sku!, delta: -5, occurredAt: new Date().toISOString() }))).toBe(
      "stock_below_reserved",
    );
    const log = await rows(channel);
    expect(log.map((r) => [r.eventId, r.status])).toEqual([
      ["u-1", "rejected"],
      ["u-2", "rejected"],
    ]);
    expect(log[0]!.error).toMatch(/No SKU/);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 2, version: 1 });
  });
});

// ---- outbound ----

interface Received {
  body: string;
  headers: IncomingMessage["headers"];
  at: number;
}

async function receiver(answer: (n: number) => number): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ body, headers: req.headers, at: Date.now() });
      res.statusCode = answer(received.length);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on. */
async function deadUrl(): Promise<string> {
  const r = await receiver(() => 200);
  await r.close();
  return r.url;
}

const FAST = { backoffBaseMs: 100, backoffCapMs: 2_000, timeoutMs: 500, pollMs: 25, log: () => {} };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("outbound webhooks", () => {
  it("backoff doubles per attempt, is capped, and adds at most 20 % jitter", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(20, 1000, 60_000, () => 0)).toBe(60_000);
    expect(retryDelayMs(1, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(1200);
  });

  it("a stock change reaches a subscribed receiver, signed with its secret, once per event", async () => {
    const r = await receiver(() => 204);
    const { subscription, secret } = await createWebhookSubscription(deps, { url: r.url });
    cleanup.push(r.close, () => deps.db.webhookSubscription.deleteMany({ where: { id: subscription.id } }));
    const worker = startWebhookWorker(deps, FAST);
    cleanup.push(() => worker.stop());
    await worker.ready;

    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    await adjustStock(deps, { sku: sku!, delta: 3, reason: "received", source: "test" });
    const got = await waitFor(async () => r.received.find((x) => JSON.parse(x.body).event.version === 2));
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({
      type: "stock.changed",
      event: { sku, type: "restock", delta: 3, onHand: 8, version: 2, reason: "received" },
    });
    expect(got.headers["x-stockwire-signature"]).toBe(`sha256=${createHmac("sha256", secret).update(got.body).digest("hex")}`);
    expect(got.headers["x-stockwire-delivery"]).toBe(payload.deliveryId);
    expect(got.headers["content-type"]).toBe("application/json");

    // The same event enqueued again (another sidecar heard it too) is not a second delivery.
    expect(await enqueueStockEvent(deps, payload.event, 5)).toBe(0);
    const log = await waitFor(async () => {
      const d = await listWebhookDeliveries(deps, subscription.id);
      return d.length === 2 && d.every((x) => x.status === "delivered") && d; // v1 (set) and v2 (restock)
    });
    expect(log.map((d) => [d.eventKey, d.attempts, d.lastStatusCode]).sort()).toEqual([
      [`${sku}:1`, 1, 204],
      [`${sku}:2`, 1, 204],
    ]);
  });

  it("a receiver that fails twice gets the delivery on the third attempt, after growing delays", async () => {
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const { subscription } = await createWebhookSubscription(deps, { url: r.url, events: "low_stock" });
    cleanup.push(r.close, () => deps.db.webhookSubscription.deleteMany({ where: { id: subscription.id } }));
    const worker = startWebhookWorker(deps, FAST);
    cleanup.push(() => worker.stop());
    await worker.ready;

    const [sku] = await seedSkus(deps, [{ onHand: 20 }], { lowStockThreshold: 5 });
    await adjustStock(deps, { sku: sku!, delta: -2, reason: "damaged", source: "test" }); // 18: not low, not sent
    await adjustStock(deps, { sku: sku!, delta: -15, reason: "damaged", source: "test" }); // 3: low
    const [d] = await waitFor(async () => {
      const list = await listWebhookDeliveries(deps, subscription.id);
      return list[0]?.status === "delivered" && list;
    });
    expect(d).toMatchObject({ eventKey: `${sku}:3`, attempts: 3, lastStatusCode: 200, lastError: null });
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => x.headers["x-stockwire-delivery"])).size).toBe(1);
    const gaps = [r.received[1]!.at - r.received[0]!.at, r.received[2]!.at - r.received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
  });

  it("a receiver that is down fails after the last attempt, and shoppers' holds never wait for it", async () => {
    const url = await deadUrl();
    const { subscription } = await createWebhookSubscription(deps, { url });
    cleanup.push(() => deps.db.webhookSubscription.deleteMany({ where: { id: subscription.id } }));
    const worker = startWebhookWorker(deps, { ...FAST, backoffBaseMs: 20, maxAttempts: 4 });
    cleanup.push(() => worker.stop());
    await worker.ready;

    const [sku] = await seedSkus(deps, [{ onHand: 50 }]);
    const started = Date.now();
    const holds = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        placeReservation(deps, { sessionId: `w${i}-${uid()}`, items: [{ sku: sku!, quantity: 1 }], source: "test" }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(holds).toHaveLength(10);
    expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 10, available: 40, version: 11 });

    const log = await waitFor(async () => {
      const list = await listWebhookDeliveries(deps, subscription.id, { limit: 200 });
      return list.length === 11 && list.every((d) => d.status === "failed") && list;
    });
    for (const d of log) {
      expect(d.attempts).toBe(4);
      expect(d.lastError).toMatch(/ECONNREFUSED|fetch failed/);
      expect(d.deliveredAt).toBeNull();
    }
  });

  it("a black-holed subscriber holds up only its own lane: the others get every event meanwhile", async () => {
    // Accepts connections and never answers, like a receiver behind a dropped route.
    const held: Socket[] = [];
    const hole = createNetServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    const holeUrl = `http://127.0.0.1:${(hole.address() as AddressInfo).port}/hooks`;
    const closeHole = () => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((r) => hole.close(() => r()));
    };
    const good = await receiver(() => 200);
    const slow = await createWebhookSubscription(deps, { url: holeUrl });
    const fine = await createWebhookSubscription(deps, { url: good.url });
    cleanup.push(good.close, closeHole, () =>
      deps.db.webhookSubscription.deleteMany({ where: { id: { in: [slow.subscription.id, fine.subscription.id] } } }),
    );
    const [sku] = await seedSkus(deps, [{ onHand: 100 }]);
    // 30 events, each a delivery to both subscriptions, all due at once, the black hole's first.
    for (let v = 2; v <= 31; v++) {
      await enqueueStockEvent(
        deps,
        {
          type: "set",
          sku: sku!,
          location: "main",
          delta: 0,
          onHand: 100,
          reserved: 0,
          safety: 0,
          available: 100,
          version: v,
          reason: null,
          source: "test",
          actor: null,
          reservationId: null,
          at: Date.now(),
        },
        5,
      );
    }
    const worker = startWebhookWorker(deps, { ...FAST, timeoutMs: 20_000, perSubscription: 3 });
    cleanup.push(() => worker.stop());

    const delivered = await waitFor(async () => {
      const list = await listWebhookDeliveries(deps, fine.subscription.id, { limit: 100 });
      return list.length === 30 && list.every((d) => d.status === "delivered") && list;
    }, 8_000);
    expect(delivered).toHaveLength(30);
    expect(good.received).toHaveLength(30);
    // Meanwhile the black hole has not answered once, and had only its own lane's connections.
    const stuck = await listWebhookDeliveries(deps, slow.subscription.id, { limit: 100 });
    expect(stuck.filter((d) => d.attempts > 0)).toEqual([]);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(3);
  });

  it("a delivered delivery is not sent again by a later run", async () => {
    const r = await receiver(() => 200);
    const { subscription } = await createWebhookSubscription(deps, { url: r.url });
    cleanup.push(r.close, () => deps.db.webhookSubscription.deleteMany({ where: { id: subscription.id } }));
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const level = (await stockLevel(deps, sku!))!;
    await enqueueStockEvent(
      deps,
      {
        type: "set",
        sku: sku!,
        location: "main",
        delta: 1,
        onHand: 1,
        reserved: 0,
        safety: 0,
        available: 1,
        version: level.version,
        reason: null,
        source: "test",
        actor: null,
        reservationId: null,
        at: Date.now(),
      },
      5,
    );
    await deliverDueWebhooks(deps, FAST);
    await deliverDueWebhooks(deps, FAST);
    expect(r.received).toHaveLength(1);
  });
});
