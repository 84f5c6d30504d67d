import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adjustStock } from "../../lib/stock";
import {
  stockFrame,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClientToServerEvents,
  type Response,
  type ServerToClientEvents,
} from "../../lib/shared/protocol";
import { placeReservation } from "../../lib/reservations";
import type { Availability, StockEvent } from "../../lib/shared/types";
import { closeApplication, createApplication, type StockServer } from "../../server/gateway";
import { createSidecarMetrics, metricsRequestHandler } from "../../server/metrics";
import { seedSkus, testDeps, uid } from "../helpers";
import { createSubscriber } from "../../lib/core/redis";
import { resetConfigForTests } from "../../lib/core/config";

type ShopperSocket = ClientSocket<ServerToClientEvents, ClientToServerEvents>;
type AdminSocket = ClientSocket<AdminServerToClientEvents, AdminClientToServerEvents>;

const ORIGIN = "http://shop.test";
const ADMIN_TOKEN = `admin-${uid(16)}`;
const COALESCE_MS = 40;

const deps = testDeps();
const metrics = createSidecarMetrics();
let subscriber: Redis;
let gateway: StockServer;
let url: string;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  subscriber = createSubscriber(deps.redis);
  const httpServer = createServer(metricsRequestHandler(metrics, deps.redis));
  gateway = createApplication(httpServer, {
    redis: deps.redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: [ORIGIN],
    coalesceMs: COALESCE_MS,
    adminToken: ADMIN_TOKEN,
    metrics,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  // The gateway's subscription must be live before the first change, or that change is missed.
  await waitFor(async () => (await deps.redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] === 1);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await closeApplication(gateway);
  subscriber.disconnect();
  await deps.close();
});

/** A client address of its own (the gateway counts X-Forwarded-For's rightmost entry), so limits tested here start at zero. */
const freshAddress = () => `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}-${uid(4)}`;

function shopper(opts: { origin?: string | null; address?: string; transport?: "websocket" | "polling" } = {}): ShopperSocket {
  const origin = opts.origin === undefined ? ORIGIN : opts.origin;
  const socket: ShopperSocket = connect(url, {
    transports: [opts.transport ?? "websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: { ...(origin ? { origin } : {}), ...(opts.address ? { "x-forwarded-for": opts.address } : {}) },
  });
  clients.push(socket);
  return socket;
}

function admin(token?: string, opts: { origin?: string | null; address?: string } = {}): AdminSocket {
  const origin = opts.origin === undefined ? ORIGIN : opts.origin;
  const socket: AdminSocket = connect(`${url}/admin`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: { ...(origin ? { origin } : {}), ...(opts.address ? { "x-forwarded-for": opts.address } : {}) },
    auth: token === undefined ? {} : { token },
  });
  clients.push(socket);
  return socket;
}

function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
}

function refusal(socket: ClientSocket): Promise<Error> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected although it should have been refused")));
    socket.once("connect_error", resolve);
  });
}

async function subscribe(socket: ShopperSocket, skus: string[]): Promise<Response<Availability[]>> {
  return socket.timeout(5_000).emitWithAck("subscribe", { skus });
}

/** Record every stock frame a socket receives. */
function frames(socket: ShopperSocket): Availability[] {
  const seen: Availability[] = [];
  socket.on("stock", (...args) => seen.push(stockFrame(...args)));
  return seen;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run `body` with some rate limits changed (read again by the gateway on the next request). */
async function withLimits(values: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  resetConfigForTests();
  try {
    await body();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfigForTests();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Let frames of earlier changes (such as seeding) flush, so a test sees only its own. */
const settle = () => sleep(COALESCE_MS * 3);

function expectIncreasing(seen: Availability[]) {
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.version).toBeGreaterThan(seen[i - 1]!.version);
}

describe("realtime gateway", () => {
  it("acks a subscription with a snapshot of known SKUs", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 7 }, { onHand: 3, safety: 1 }]);
    const socket = shopper();
    await connected(socket);
    const res = await subscribe(socket, [a!, b!, a!, "UNKNOWN-SKU-1"]);
    expect(res).toEqual({
      ok: true,
      data: [
        { sku: a, available: 7, version: 1 },
        { sku: b, available: 2, version: 1 },
      ],
    });
  });

  it("sends a reservation to subscribers of its SKU only", async () => {
    const [watched, other] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 10 }]);
    await settle();
    const subscribed = shopper();
    const bystander = shopper();
    await Promise.all([connected(subscribed), connected(bystander)]);
    await subscribe(subscribed, [watched!]);
    await subscribe(bystander, [other!]);
    const seen = frames(subscribed);
    const unseen = frames(bystander);

    await placeReservation(deps, { sessionId: `s-${uid()}`, items: [{ sku: watched!, quantity: 3 }], source: "test" });

    await waitFor(() => seen.length > 0);
    expect(seen).toEqual([{ sku: watched, available: 7, version: 2 }]);
    await settle();
    expect(unseen).toEqual([]);
  });

  it("stops sending a SKU after unsubscribe", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const socket = shopper();
    await connected(socket);
    await subscribe(socket, [sku!]);
    const seen = frames(socket);
    socket.emit("unsubscribe", { skus: [sku!] });
    await subscribe(socket, []); // round trip: the unsubscribe was handled before this ack
    await adjustStock(deps, { sku: sku!, delta: 1, reason: "test", source: "test" });
    await sleep(COALESCE_MS * 3);
    expect(seen).toEqual([]);
  });

  it("coalesces a burst into few frames, ending on the final version, always moving forward", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 100 }]);
    await settle();
    const socket = shopper();
    await connected(socket);
    await subscribe(socket, [sku!]);
    const seen = frames(socket);

    for (let i = 0; i < 20; i++) {
      void placeReservation(deps, { sessionId: `s-${uid()}`, items: [{ sku: sku!, quantity: 1 }], source: "test" });
    }

    const finalVersion = 1 + 20;
    await waitFor(() => seen.at(-1)?.version === finalVersion);
    await sleep(COALESCE_MS * 3);
    expect(seen.length).toBeLessThanOrEqual(5);
    expect(seen.at(-1)).toEqual({ sku, available: 80, version: finalVersion });
    expectIncreasing(seen);
  });

  it("keeps versions strictly increasing over spaced and bursty changes", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 100 }]);
    await settle();
    const socket = shopper();
    await connected(socket);
    await subscribe(socket, [sku!]);
    const seen = frames(socket);
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 3 }, () => adjustStock(deps, { sku: sku!, delta: 1, reason: "test", source: "test" })));
      await sleep(COALESCE_MS + 10);
    }
    await waitFor(() => seen.at(-1)?.version === 16);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expectIncreasing(seen);
    for (const frame of seen) expect(Object.keys(frame).sort()).toEqual(["available", "sku", "version"]);
  });

  it("never emits a version at or below one already emitted, and survives junk on the channel", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await settle();
    const socket = shopper();
    await connected(socket);
    await subscribe(socket, [sku!]);
    const seen = frames(socket);
    await adjustStock(deps, { sku: sku!, delta: 1, reason: "test", source: "test" });
    await waitFor(() => seen.length === 1);

    const replay = (version: number, available: number) =>
      JSON.stringify({
        type: "adjust",
        sku,
        location: "main",
        delta: 1,
        onHand: available,
        reserved: 0,
        safety: 0,
        available,
        version,
        reason: "",
        source: "test",
        actor: "",
        reservationId: "",
        at: Date.now(),
      });
    await deps.redis.publish(deps.keys.eventsChannel, replay(1, 999)); // older than what the client has
    await deps.redis.publish(deps.keys.eventsChannel, replay(2, 999)); // a duplicate of it
    await deps.redis.publish(deps.keys.eventsChannel, "not json");
    await deps.redis.publish(deps.keys.eventsChannel, JSON.stringify({ sku, version: "3" }));
    await settle();
    expect(seen).toEqual([{ sku, available: 11, version: 2 }]);

    await adjustStock(deps, { sku: sku!, delta: -4, reason: "test", source: "test" });
    await waitFor(() => seen.length === 2);
    expect(seen[1]).toEqual({ sku, available: 7, version: 3 });
  });

  it("answers invalid subscriptions with an error ack and keeps the socket", async () => {
    const socket = shopper();
    await connected(socket);
    const bad: unknown[] = [
      null,
      "SKU-1",
      {},
      { skus: "SKU-1" },
      { skus: [42] },
      { skus: ["lower-case"] },
      { skus: ["{HASHTAG}"] },
      { skus: Array.from({ length: 501 }, (_, i) => `SKU-${i}`) },
    ];
    for (const payload of bad) {
      const res = (await socket.timeout(5_000).emitWithAck("subscribe", payload as { skus: string[] })) as Response<Availability[]>;
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe("invalid_request");
    }
    // Without an ack function the handler must not throw either.
    socket.emit("unsubscribe", null as unknown as { skus: string[] });
    expect(await subscribe(socket, [])).toEqual({ ok: true, data: [] });
    expect(socket.connected).toBe(true);
  });

  it("refuses a browser's handshake from a foreign Origin, over WebSocket and polling", async () => {
    for (const transport of ["websocket", "polling"] as const) {
      const socket = shopper({ origin: "http://evil.test", transport });
      await expect(refusal(socket)).resolves.toBeInstanceOf(Error);
    }
  });

  it("lets in a client that sends no Origin (an app, a server) and streams its SKU to it, over WebSocket and polling", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 9 }]);
    await settle();
    for (const transport of ["websocket", "polling"] as const) {
      const socket = shopper({ origin: null, transport });
      await connected(socket);
      const seen = frames(socket);
      expect(await subscribe(socket, [sku!])).toMatchObject({ ok: true, data: [{ sku, available: expect.any(Number) }] });
      await adjustStock(deps, { sku: sku!, delta: -1, source: "api", actor: "test", reason: "recount" });
      await waitFor(() => seen.length > 0);
      expect(seen.at(-1)).toMatchObject({ sku });
    }
    // /admin still wants staff credentials from such a client.
    await expect(refusal(admin(undefined, { origin: null }))).resolves.toMatchObject({ message: "unauthorized" });
    await connected(admin(ADMIN_TOKEN, { origin: null }));
  });

  it("counts handshakes per client address, both namespaces together: over the limit is rate_limited with a wait", async () => {
    await withLimits({ SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: "3" }, async () => {
      const address = freshAddress();
      await connected(shopper({ address }));
      await connected(shopper({ address }));
      await connected(admin(ADMIN_TOKEN, { address }));
      for (const refused of [shopper({ address }), admin(ADMIN_TOKEN, { address })]) {
        const err = (await refusal(refused)) as Error & { data?: { code: string; retryAfterSeconds: number } };
        expect(err.message).toBe("rate_limited");
        expect(err.data?.code).toBe("rate_limited");
        expect(err.data?.retryAfterSeconds).toBeGreaterThan(0);
      }
      // Another address is not affected.
      await connected(shopper({ address: freshAddress() }));
    });
  });

  it("counts subscribe requests per client address: over the limit is answered rate_limited, the socket stays", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 4 }]);
    await withLimits({ SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: "2" }, async () => {
      const address = freshAddress();
      const socket = shopper({ address });
      await connected(socket);
      expect((await subscribe(socket, [sku!])).ok).toBe(true);
      expect((await subscribe(socket, [sku!])).ok).toBe(true);
      const third = await subscribe(socket, [sku!]);
      expect(third).toMatchObject({ ok: false, error: { code: "rate_limited" } });
      expect(socket.connected).toBe(true);
      const other = shopper({ address: freshAddress() });
      await connected(other);
      expect((await subscribe(other, [sku!])).ok).toBe(true);
    });
  });

  it("refuses /admin without or with a wrong token and streams events with the right one", async () => {
    const anonymous = refusal(admin());
    const wrong = refusal(admin(`${ADMIN_TOKEN}x`));
    await expect(anonymous).resolves.toMatchObject({ message: "unauthorized" });
    await expect(wrong).resolves.toMatchObject({ message: "unauthorized" });

    const staff = admin(ADMIN_TOKEN);
    await connected(staff);
    const events: StockEvent[] = [];
    staff.on("event", (e) => events.push(e));
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    await adjustStock(deps, { sku: sku!, delta: -2, reason: "damaged", source: "test", actor: "staff" });
    await waitFor(() => events.filter((e) => e.sku === sku).length === 2);
    expect(events.filter((e) => e.sku === sku).at(-1)).toMatchObject({
      type: "adjust",
      sku,
      delta: -2,
      onHand: 3,
      available: 3,
      version: 2,
      reason: "damaged",
      actor: "staff",
      reservationId: null,
    });
  });

  it("reports at scrape time whether each store answers and the webhook backlog", async () => {
    const m = createSidecarMetrics({
      storeUp: { redis: () => deps.redis.ping(), postgres: () => Promise.reject(new Error("connection refused")) },
      pendingWebhookDeliveries: async () => 7,
    });
    const text = await m.registry.metrics();
    expect(text).toContain('stockwire_store_up{store="redis"} 1');
    expect(text).toContain('stockwire_store_up{store="postgres"} 0');
    expect(text).toMatch(/^stockwire_webhook_pending_deliveries 7$/m);
  });

  it("serves /health and /metrics beside Socket.IO", async () => {
    const socket = shopper();
    await connected(socket);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/stockwire_realtime_connected_sockets\{namespace="\/"\} [1-9]/);
    expect(text).toMatch(/stockwire_realtime_events_total\{outcome="emitted"\} [1-9]/);
    expect(text).toContain("stockwire_realtime_emit_propagation_seconds_count");
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
