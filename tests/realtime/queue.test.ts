// The flash-sale realtime side against real Redis and Postgres: queue:watch and its ack, the
// `queue` frames and `queue:admitted` through the real gateway (one and two instances), the
// admitter's per-sale leases, and presence (a connected page keeps its shopper's place).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import type { ClientToServerEvents, Response, ServerToClientEvents } from "../../lib/shared/protocol";
import { createRedis, createSubscriber, redisNow } from "../../lib/core/redis";
import {
  admitTick,
  controlSale,
  createSale,
  joinQueue,
  leaveQueue,
  queueSnapshot,
  ticketFor,
  type QueueFrame,
  type QueueSnapshot,
  type SaleInput,
} from "../../lib/sales";
import { startAdmitter, type Admitter } from "../../server/workers";
import {
  broadcastQueueFrame,
  closeApplication,
  createApplication,
  notifyAdmitted,
  saleRoom,
  ticketRoom,
  type StockServer,
} from "../../server/gateway";
import { seedSkus, testDeps, uid } from "../helpers";

type ShopperSocket = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

const ORIGIN = "http://shop.test";
const TICK_MS = 40;
const PRESENCE_MS = 150;
const who = { source: "test" };

const deps = testDeps();
interface Gateway {
  io: StockServer;
  url: string;
  subscriber: Redis;
}
let gatewayA: Gateway;
let gatewayB: Gateway;
const clients: ShopperSocket[] = [];
const admitters: Admitter[] = [];
const extraRedis: Redis[] = [];
const sales: string[] = [];

async function startGateway(): Promise<Gateway> {
  const subscriber = createSubscriber(deps.redis);
  const httpServer = createServer();
  const io = createApplication(httpServer, {
    redis: deps.redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: [ORIGIN],
    coalesceMs: 0,
    presenceIntervalMs: PRESENCE_MS,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return { io, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, subscriber };
}

beforeAll(async () => {
  // The admitter also copies every open sale of Postgres into Redis (syncSales). The test
  // database is shared by all test files while each uses its own key prefix, so that copy would
  // pull other files' sales into this prefix and tick them, writing their status to Postgres.
  // Holding the sync lease keeps the admitters here to this file's sales.
  await deps.redis.set(deps.keys.lease("sales-sync"), "held-by-queue-test", "PX", 600_000);
  [gatewayA, gatewayB] = await Promise.all([startGateway(), startGateway()]);
});

afterEach(async () => {
  await Promise.all(admitters.splice(0).map((a) => a.stop()));
  for (const c of clients.splice(0)) c.disconnect();
  for (const r of extraRedis.splice(0)) r.disconnect();
  for (const id of sales.splice(0)) await controlSale(deps, id, "close", who);
});

afterAll(async () => {
  for (const g of [gatewayA, gatewayB]) {
    await closeApplication(g.io);
    g.subscriber.disconnect();
  }
  await deps.close();
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

const sid = (name: string) => `s_${name}_${uid(10)}`;

/** A live sale (its first tick already run, so shoppers who join now get places in join order). */
async function liveSale(over: Partial<SaleInput> & { onHand?: number } = {}): Promise<string> {
  const { onHand = 100, ...settings } = over;
  const [sku] = await seedSkus(deps, [{ onHand }]);
  const id = `sale-${uid(8).toLowerCase()}`;
  await createSale(deps, {
    id,
    name: `Test sale ${id}`,
    startsAt: new Date(Date.now() - 1000),
    admissionRate: 1000,
    skus: [sku!],
    ...settings,
  });
  sales.push(id);
  expect((await admitTick(deps, id))?.frame.status).toBe("live");
  return id;
}

async function join(saleId: string, names: string[]) {
  const out: { session: string; ticket: string; seq: number }[] = [];
  for (const name of names) {
    const session = sid(name);
    const j = await joinQueue(deps, saleId, session);
    expect(j.state).toBe("waiting");
    out.push({ session, ticket: j.ticket, seq: j.seq });
  }
  return out;
}

async function shopper(gateway: Gateway = gatewayA): Promise<ShopperSocket> {
  const socket: ShopperSocket = connect(gateway.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: { origin: ORIGIN },
  });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

function watch(socket: ShopperSocket, payload: unknown): Promise<Response<QueueSnapshot>> {
  return socket.timeout(5_000).emitWithAck("queue:watch", payload as { saleId: string; ticket?: string });
}

/**
 * A page that follows its place the way the protocol says a client should: the exact snapshot
 * from the watch ack, then every frame with a higher tick — minus the shoppers admitted since
 * (all were ahead), minus the departed join sequences below its own; admitted once its
 * sequence is at or below admittedThrough. Frames that arrive before the ack are kept and
 * applied after it.
 */
class QueueWatcher {
  readonly frames: QueueFrame[] = [];
  readonly admittedNotices: { saleId: string; deadline: number }[] = [];
  snapshot: QueueSnapshot | null = null;
  state = "";
  position = 0;
  seq = 0;
  tick = 0;
  admitted = 0;
  /** Frames whose tick was not the previous one + 1 (a missed frame). */
  gaps = 0;

  constructor(
    readonly socket: ShopperSocket,
    readonly saleId: string,
    readonly ticket?: string,
  ) {
    socket.on("queue", (frame) => {
      if (frame.saleId !== saleId) return;
      this.frames.push(frame);
      if (this.snapshot) this.apply(frame);
    });
    socket.on("queue:admitted", (notice) => this.admittedNotices.push(notice));
  }

  async watch(): Promise<this> {
    const res = await watch(this.socket, this.ticket ? { saleId: this.saleId, ticket: this.ticket } : { saleId: this.saleId });
    if (!res.ok) throw new Error(`watch refused: ${res.error.code}`);
    const snap = res.data;
    this.snapshot = snap;
    this.tick = snap.tick;
    this.admitted = snap.admitted;
    this.state = snap.ticket?.state ?? "";
    this.position = snap.ticket?.position ?? 0;
    this.seq = snap.ticket?.seq ?? 0;
    for (const frame of this.frames) this.apply(frame);
    return this;
  }

  private apply(frame: QueueFrame): void {
    if (frame.tick <= this.tick) return; // already in the snapshot
    if (frame.tick !== this.tick + 1) this.gaps++;
    this.tick = frame.tick;
    if (this.state === "waiting") {
      this.position -= frame.admitted - this.admitted;
      this.position -= frame.departed.filter((q) => q < this.seq).length;
      if (this.seq <= frame.admittedThrough) {
        this.state = "admitted";
        this.position = 0;
      }
    }
    this.admitted = frame.admitted;
  }
}

interface RunningAdmitter {
  admitter: Admitter;
  admitted: string[];
  frames: QueueFrame[];
  errors: unknown[];
}

/** An admitter wired to a gateway the way server/index.ts wires it. */
function runAdmitter(d: Deps, gateway: Gateway, opts: { leaseTtlMs?: number; tickMs?: number } = {}): RunningAdmitter {
  const run: RunningAdmitter = { admitted: [], frames: [], errors: [], admitter: null as unknown as Admitter };
  run.admitter = startAdmitter(d, {
    tickMs: opts.tickMs ?? TICK_MS,
    leaseTtlMs: opts.leaseTtlMs,
    onFrame: (frame) => {
      run.frames.push(frame);
      broadcastQueueFrame(gateway.io, frame);
    },
    onAdmitted: (saleId, tickets, deadline) => {
      run.admitted.push(...tickets);
      notifyAdmitted(gateway.io, saleId, tickets, deadline);
    },
    onError: (_loop, err) => run.errors.push(err),
  });
  admitters.push(run.admitter);
  return run;
}

async function exact(saleId: string, ticket: string) {
  const t = (await queueSnapshot(deps, saleId, ticket)).ticket;
  return { state: t?.state, position: t?.position };
}

const seenScore = async (saleId: string, ticket: string) => {
  const score = await deps.redis.zscore(deps.keys.sale(saleId).seen, ticket);
  return score === null ? null : Number(score);
};

/**
 * The gateway shares this test's Redis client, and a presence write is two commands on it
 * (TIME, then ZADD once TIME answers). Once the handler has run (its TIME is queued), two
 * round trips of ours are enough for its ZADD to be queued ahead of our next command.
 */
async function afterGatewayWrites(): Promise<number> {
  const now = await redisNow(deps.redis);
  await redisNow(deps.redis);
  return now;
}

describe("queue:watch", () => {
  it("acks the sale's counters without a ticket and refuses bad payloads with an error code", async () => {
    const saleId = await liveSale();
    await join(saleId, ["a", "b", "c"]);
    const socket = await shopper();

    const res = await watch(socket, { saleId });
    const expected = await queueSnapshot(deps, saleId, null);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const { now: _ackNow, ...counters } = res.data;
    const { now: _now, ...expectedCounters } = expected;
    expect(counters).toEqual(expectedCounters);
    expect(res.data).toMatchObject({ status: "live", waiting: 3, admitted: 0, ticket: null, unitsLeft: 100 });

    const unknownSale = `sale-${uid(8).toLowerCase()}`;
    const bad: [unknown, string][] = [
      [null, "invalid_request"],
      ["sale-x", "invalid_request"],
      [{}, "invalid_request"],
      [{ ticket: ticketFor(saleId, "x") }, "invalid_request"],
      [{ saleId: 42 }, "invalid_request"],
      [{ saleId: "Not A Sale Id" }, "invalid_request"],
      [{ saleId: "{tag}" }, "invalid_request"],
      [{ saleId: "a".repeat(65) }, "invalid_request"],
      [{ saleId, ticket: "t_short" }, "invalid_request"],
      [{ saleId, ticket: 42 }, "invalid_request"],
      [{ saleId, ticket: "" }, "invalid_request"],
      [{ saleId: unknownSale }, "not_found"],
      [{ saleId: unknownSale, ticket: ticketFor(unknownSale, "x") }, "not_found"],
    ];
    for (const [payload, code] of bad) {
      const reply = await watch(socket, payload);
      expect(reply, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
    }
    // A refused watch leaves the socket in no room of the unknown sale.
    expect(await gatewayA.io.in(saleRoom(unknownSale)).fetchSockets()).toHaveLength(0);
    expect(await gatewayA.io.in(ticketRoom(ticketFor(unknownSale, "x"))).fetchSockets()).toHaveLength(0);
    // Without an ack function the handlers must not throw either.
    const untyped = socket as unknown as ClientSocket;
    untyped.emit("queue:watch", { saleId });
    untyped.emit("queue:unwatch", null);
    expect(socket.connected).toBe(true);
    expect((await watch(socket, { saleId })).ok).toBe(true);
  });

  it("acks a ticket's exact place", async () => {
    const saleId = await liveSale();
    const [, , c] = await join(saleId, ["a", "b", "c"]);
    const socket = await shopper();
    const res = await watch(socket, { saleId, ticket: c!.ticket });
    expect(res).toMatchObject({ ok: true, data: { waiting: 3, ticket: { state: "waiting", seq: c!.seq, position: 3, units: 0 } } });
  });
});

describe("queue frames and admissions", () => {
  it("lets waiting pages follow their exact place from the snapshot and the frames", async () => {
    // At 3 per second (the token bucket holds 3 at most) the line moves while the pages watch.
    const saleId = await liveSale({ admissionRate: 3 });
    const names = Array.from({ length: 14 }, (_, i) => `q${i}`);
    const line = await join(saleId, names);
    const watched = [4, 6, 8, 9, 10, 12, 13].map((i) => line[i]!);
    const watchers = await Promise.all(watched.map(async (s) => new QueueWatcher(await shopper(), saleId, s.ticket).watch()));
    const bystander = await new QueueWatcher(await shopper(), saleId).watch();
    for (const [i, w] of watchers.entries()) expect(w.position).toBe([5, 7, 9, 10, 11, 13, 14][i]);

    const run = runAdmitter(deps, gatewayA);
    await waitFor("two admitted", () => bystander.admitted >= 2);
    // Shoppers ahead of some watchers and behind others leave while the line moves.
    for (const i of [5, 7, 11]) await leaveQueue(deps, saleId, line[i]!.session, line[i]!.ticket);
    await waitFor("q9 admitted", () => bystander.frames.some((f) => f.admittedThrough >= line[9]!.seq), 10_000);
    await controlSale(deps, saleId, "pause", who);
    // Quiet: paused, departures reported, and every page has the last frame.
    await waitFor("every page caught up", async () => {
      const s = await queueSnapshot(deps, saleId, null);
      return s.status === "paused" && [...watchers, bystander].every((w) => w.tick === s.tick);
    });

    for (const w of watchers) {
      expect({ ticket: w.ticket, state: w.state, position: w.position }).toEqual({ ticket: w.ticket, ...(await exact(saleId, w.ticket!)) });
      expect(w.gaps).toBe(0);
    }
    const admittedWatchers = watchers.filter((w) => w.state === "admitted");
    const waitingWatchers = watchers.filter((w) => w.state === "waiting");
    expect(admittedWatchers.length).toBeGreaterThanOrEqual(4); // q4, q6, q8, q9
    expect(waitingWatchers.length).toBeGreaterThanOrEqual(2); // q12, q13 at least
    expect(waitingWatchers.at(-1)!.position).toBe((await queueSnapshot(deps, saleId, null)).waiting); // q13 is last
    // Admitted in join order, leavers never.
    const order = line.filter((_, i) => ![5, 7, 11].includes(i)).map((s) => s.ticket);
    expect(run.admitted).toEqual(order.slice(0, run.admitted.length));
    // Only an admitted ticket's own page hears of its turn, once, with its deadline.
    for (const w of admittedWatchers) {
      const snap = await queueSnapshot(deps, saleId, w.ticket!);
      await waitFor("admission notice", () => w.admittedNotices.length > 0);
      expect(w.admittedNotices).toEqual([{ saleId, deadline: snap.ticket!.deadline }]);
    }
    for (const w of [...waitingWatchers, bystander]) expect(w.admittedNotices).toEqual([]);
  });

  // A shopper who leaves is taken out of the line at once, but their join sequence reaches
  // pages only in the next frame's `departed`. A page that watches in between must not apply
  // the departure twice: the snapshot counts the leaver until that frame (queue-position-7.lua).
  it("gives pages that watch right after someone ahead left the same place as an exact snapshot", async () => {
    const saleId = await liveSale({ onHand: 1, overAdmitPercent: 0 });
    const [a, b, c, d] = await join(saleId, ["a", "b", "c", "d"]);
    // Ticks by hand (no admitter), so the leave lands between two ticks on purpose.
    const first = (await admitTick(deps, saleId))!;
    expect(first.admittedTickets).toEqual([a!.ticket]);
    broadcastQueueFrame(gatewayA.io, first.frame);
    await leaveQueue(deps, saleId, b!.session, b!.ticket);
    const pageC = await new QueueWatcher(await shopper(), saleId, c!.ticket).watch();
    const pageD = await new QueueWatcher(await shopper(), saleId, d!.ticket).watch();
    // The snapshot describes the line as of its tick: b left after it, so b still counts until
    // the next frame lists b in `departed` (subtracting b then must not count b twice).
    expect([pageC.position, pageD.position]).toEqual([2, 3]);
    const next = (await admitTick(deps, saleId))!;
    expect(next.frame.departed).toEqual([b!.seq]);
    broadcastQueueFrame(gatewayA.io, next.frame);
    await waitFor("frame delivered", () => pageC.tick === next.frame.tick && pageD.tick === next.frame.tick);
    expect({
      c: { state: pageC.state, position: pageC.position },
      d: { state: pageD.state, position: pageD.position },
    }).toEqual({ c: await exact(saleId, c!.ticket), d: await exact(saleId, d!.ticket) });
  });

  it("stops sending frames after queue:unwatch and marks the ticket present at that moment", async () => {
    const saleId = await liveSale({ onHand: 1, overAdmitPercent: 0 });
    const [a, b, c] = await join(saleId, ["a", "b", "c"]);
    const staying = await new QueueWatcher(await shopper(), saleId, b!.ticket).watch();
    const leaving = await new QueueWatcher(await shopper(), saleId, c!.ticket).watch();
    const before = await redisNow(deps.redis);
    leaving.socket.emit("queue:unwatch", { saleId });
    await waitFor("left the rooms", async () => (await gatewayA.io.in(saleRoom(saleId)).fetchSockets()).length === 1);
    expect(await gatewayA.io.in(ticketRoom(c!.ticket)).fetchSockets()).toHaveLength(0);
    const after = await afterGatewayWrites();
    const markedAt = (await seenScore(saleId, c!.ticket))!;
    expect(markedAt).toBeGreaterThanOrEqual(before);
    expect(markedAt).toBeLessThanOrEqual(after);
    // No longer watched: the periodic presence keeps touching b, never c.
    const stayingScore = (await seenScore(saleId, b!.ticket))!;
    await waitFor("two presence rounds", async () => (await seenScore(saleId, b!.ticket))! > stayingScore + PRESENCE_MS);
    expect(await seenScore(saleId, c!.ticket)).toBe(markedAt);

    const run = runAdmitter(deps, gatewayA);
    await waitFor("the page still watching has the frame", () => staying.frames.some((f) => f.admittedThrough === a!.seq));
    expect(run.admitted).toEqual([a!.ticket]);
    expect(leaving.frames).toEqual([]);
  });
});

describe("two gateways", () => {
  it("delivers an admitter's frames and admission notice to a page connected to the other gateway", async () => {
    const saleId = await liveSale();
    const [a] = await join(saleId, ["a"]);
    const page = await new QueueWatcher(await shopper(gatewayB), saleId, a!.ticket).watch();
    const other = await new QueueWatcher(await shopper(gatewayB), saleId).watch();
    // The pages live on B only; A sees them once the adapter link between A and B is up.
    expect(await gatewayA.io.local.in(saleRoom(saleId)).fetchSockets()).toHaveLength(0);
    await waitFor("adapter link", async () => (await gatewayA.io.in(saleRoom(saleId)).fetchSockets()).length === 2);

    const run = runAdmitter(deps, gatewayA);
    await waitFor("admission notice on B", () => page.admittedNotices.length === 1);
    await waitFor("frame on B", () => page.state === "admitted" && other.tick === page.tick);
    expect(run.admitted).toEqual([a!.ticket]);
    expect(page.frames.at(-1)).toEqual(run.frames.at(-1));
    expect(page.admittedNotices[0]).toMatchObject({ saleId });
    expect(other.admittedNotices).toEqual([]);
  });
});

describe("admitter leases", () => {
  async function lineOf(n: number, over: Partial<SaleInput> = {}) {
    const saleId = await liveSale({ admissionRate: 20, onHand: 500, ...over });
    const line = await join(
      saleId,
      Array.from({ length: n }, (_, i) => `l${i}`),
    );
    return { saleId, line };
  }

  /** Redis's own record: every ticket admitted once (admittedCount), no one ahead admitted later. */
  async function expectAdmittedOnceInOrder(saleId: string, line: { ticket: string; seq: number }[]) {
    const keys = deps.keys.sale(saleId);
    expect(Number(await deps.redis.hget(keys.hash, "admittedCount"))).toBe(line.length);
    const records = await Promise.all(
      line.map(async (s) => JSON.parse((await deps.redis.hget(keys.tickets, s.ticket))!) as { s: string; q: number; a: number }),
    );
    for (const [i, r] of records.entries()) {
      expect(r).toMatchObject({ s: "admitted", q: line[i]!.seq });
      if (i > 0) expect(r.a).toBeGreaterThanOrEqual(records[i - 1]!.a);
    }
  }

  it("lets one admitter lead a sale; after its crash another takes over once the lease runs out", async () => {
    const { saleId, line } = await lineOf(40);
    const leaseTtlMs = 1_000;
    // The leader has a Redis connection of its own: cutting it is the crash (its loop keeps
    // running but can neither renew nor release the lease, like a frozen or partitioned process).
    const leaderRedis = createRedis(inject("redisUrl"), "test-admitter-leader");
    extraRedis.push(leaderRedis);
    const leader = runAdmitter({ ...deps, redis: leaderRedis }, gatewayA, { leaseTtlMs });
    await waitFor("leader leads", () => leader.admitter.leading().includes(saleId));
    const follower = runAdmitter(deps, gatewayA, { leaseTtlMs });
    const ticksBefore = leader.admitter.counters.ticks;
    await waitFor("several ticks of the leader", () => leader.admitter.counters.ticks >= ticksBefore + 5);
    // Exactly one leads, and only the leader ticks the sale.
    expect(leader.admitter.leading()).toEqual([saleId]);
    expect(follower.admitter.leading()).toEqual([]);
    expect(follower.admitter.counters.ticks).toBe(0);
    await waitFor("some admitted", () => leader.admitted.length >= 5);

    const lease = deps.keys.lease(`admitter:${saleId}`);
    leaderRedis.disconnect();
    const crashedAt = Date.now();
    const ttlLeft = await deps.redis.pttl(lease);
    expect(ttlLeft).toBeGreaterThan(0); // the crash released nothing
    await waitFor("follower takes over", () => follower.admitter.leading().includes(saleId), 5_000);
    const takeoverMs = Date.now() - crashedAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(ttlLeft - 50);
    expect(takeoverMs).toBeLessThan(leaseTtlMs + 1_500);
    expect(leader.errors.length).toBeGreaterThan(0);

    await waitFor("everyone admitted", async () => (await queueSnapshot(deps, saleId, null)).waiting === 0, 10_000);
    await expectAdmittedOnceInOrder(saleId, line);
    // What each admitter told: no ticket twice, the follower's all after the leader's, in join order.
    // (A tick in flight at the crash may have admitted in Redis without telling anyone.)
    const told = [...leader.admitted, ...follower.admitted];
    expect(new Set(told).size).toBe(told.length);
    const seqOf = new Map(line.map((s) => [s.ticket, s.seq]));
    const seqs = told.map((t) => seqOf.get(t)!);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(follower.admitted.length).toBeGreaterThan(0);
    // The follower's frames carry on after the leader's: no tick run twice.
    const ticks = [...leader.frames, ...follower.frames].filter((f) => f.saleId === saleId).map((f) => f.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks).toEqual([...ticks].sort((x, y) => x - y));
  });

  it("hands a sale over at once when the leader stops, long before its lease would run out", async () => {
    const { saleId, line } = await lineOf(30);
    const leaseTtlMs = 30_000;
    const first = runAdmitter(deps, gatewayA, { leaseTtlMs });
    await waitFor("first leads", () => first.admitter.leading().includes(saleId));
    const second = runAdmitter(deps, gatewayA, { leaseTtlMs });
    await waitFor("some admitted", () => first.admitted.length >= 5);
    expect(second.admitter.leading()).toEqual([]);

    await first.admitter.stop();
    const stoppedAt = Date.now();
    expect(first.admitter.leading()).toEqual([]);
    await waitFor("second takes over", () => second.admitter.leading().includes(saleId), 3_000);
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);

    await waitFor("everyone admitted", async () => (await queueSnapshot(deps, saleId, null)).waiting === 0, 10_000);
    await expectAdmittedOnceInOrder(saleId, line);
    // A clean stop finishes its tick first: every admission was told, once, in join order.
    expect([...first.admitted, ...second.admitted]).toEqual(line.map((s) => s.ticket));
  });
});

describe("presence", () => {
  it("keeps a connected page's place, starts the grace at disconnect and drops the place after it", async () => {
    const graceSeconds = 2;
    const saleId = await liveSale({ onHand: 1, overAdmitPercent: 0, graceSeconds });
    const [a, b, c] = await join(saleId, ["a", "b", "c"]);
    const observer = await new QueueWatcher(await shopper(), saleId).watch();
    const staying = await new QueueWatcher(await shopper(), saleId, b!.ticket).watch();
    const going = await new QueueWatcher(await shopper(), saleId, c!.ticket).watch();
    runAdmitter(deps, gatewayA);
    await waitFor("a admitted", () => observer.frames.some((f) => f.admittedThrough === a!.seq));

    // Connected: the score keeps moving forward, never older than about one interval.
    for (let round = 0; round < 3; round++) {
      const last = (await seenScore(saleId, b!.ticket))!;
      await waitFor("presence refreshed", async () => (await seenScore(saleId, b!.ticket))! > last);
      expect((await redisNow(deps.redis)) - (await seenScore(saleId, b!.ticket))!).toBeLessThan(PRESENCE_MS + 250);
    }

    const before = await redisNow(deps.redis);
    going.socket.disconnect();
    await waitFor("server saw the disconnect", async () => (await gatewayA.io.in(ticketRoom(c!.ticket)).fetchSockets()).length === 0);
    const after = await afterGatewayWrites();
    const goneAt = (await seenScore(saleId, c!.ticket))!;
    expect(goneAt).toBeGreaterThanOrEqual(before);
    expect(goneAt).toBeLessThanOrEqual(after);
    // Gone: the periodic presence no longer touches it while it keeps touching b.
    const stayingScore = (await seenScore(saleId, b!.ticket))!;
    await waitFor("two more presence rounds", async () => (await seenScore(saleId, b!.ticket))! > stayingScore + PRESENCE_MS);
    expect(await seenScore(saleId, c!.ticket)).toBe(goneAt);

    // The next tick after the grace drops c (b joined at the same time and stays: it is connected).
    await waitFor("c departs", () => observer.frames.some((f) => f.departed.includes(c!.seq)), graceSeconds * 1000 + 5_000);
    const frame = observer.frames.find((f) => f.departed.includes(c!.seq))!;
    expect(frame.departed).toEqual([c!.seq]);
    expect(frame.now - goneAt).toBeGreaterThanOrEqual(graceSeconds * 1000);
    expect(frame.now - goneAt).toBeLessThan(graceSeconds * 1000 + 1_000);
    expect(await exact(saleId, c!.ticket)).toEqual({ state: "lapsed", position: 0 });
    expect(await exact(saleId, b!.ticket)).toEqual({ state: "waiting", position: 1 });
    await waitFor("b's page has the frame", () => staying.tick >= frame.tick);
    expect({ state: staying.state, position: staying.position }).toEqual({ state: "waiting", position: 1 });
  });
});
