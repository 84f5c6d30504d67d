// (c) and (d), the flash-sale queue: joins per second into one line, and how long a change of
// place takes to reach a thousand waiting shoppers' sockets, whose places are kept by the
// storefront's own model (components/sale/queue-model.ts) and checked against the exact ones.
// The sale is defined in Redis only, with the script lib/sales/definitions.ts mirrorSale uses: the bench
// has no Postgres, and every path measured here is Redis-only.
import type { Redis } from "ioredis";
import { io as connect } from "socket.io-client";
import type { Deps } from "../../lib/core/deps";
import { setStock } from "../../lib/stock";
import { admitTick, joinQueue, leaveQueue, queueSnapshot, ticketFor, type QueueFrame } from "../../lib/sales";
import { applyFrame, fromSnapshot, type QueueModel } from "../../components/sale/queue-model";
import {
  benchDeps,
  clock,
  CONCURRENCY,
  fmt,
  ORIGIN,
  pollingLatency,
  printLatency,
  printThroughput,
  saturate,
  sleep,
  startGatewayChild,
  summarize,
  type BenchClient,
  type Latency,
  type Throughput,
  type TickReport,
} from "./shared";

export interface QueuePlan {
  /** Joins measured into the one line (warm-up joins come on top). */
  entrants: number;
  /** Connected waiting shoppers, all behind the entrants. */
  watchers: number;
  ticks: number;
  /** Time between admission ticks (the admitter's default QUEUE_TICK_MS). */
  tickMs: number;
  /** Admissions per second during the ticks. */
  admissionRate: number;
}

const PREFIX = "bench-queue:";
const SALE_ID = "bench-sale";
const SALE_SKU = "BENCH-SALE";
const WINDOW_SECONDS = 120;
const entrant = (i: number) => `bench-entrant-${i}`;
const watcher = (i: number) => `bench-watcher-${i}`;
const trailer = (i: number) => `bench-trailer-${i}`;

/** Shoppers who leave before each tick: some ahead of the watchers (they move up), some behind (they do not). */
const LEAVES_AHEAD_PER_TICK = 3;
const LEAVES_BEHIND_PER_TICK = 2;

/** Define the sale in Redis as mirrorSale would, started a second ago; one tick makes it live. */
async function openSale(deps: Deps): Promise<void> {
  await setStock(deps, { sku: SALE_SKU, onHand: 1_000_000_000, safety: 0, lowStockThreshold: 5, source: "bench" });
  const k = deps.keys.sale(SALE_ID);
  // Grace of an hour: nobody's place lapses during the bench, so only the bench's leaves depart.
  await deps.redis.swSaleControl(
    k.hash,
    k.queue,
    k.pre,
    "configure",
    "name",
    "bench",
    "startsAt",
    Date.now() - 1000,
    "rate",
    1e6,
    "limit",
    1,
    "window",
    WINDOW_SECONDS,
    "grace",
    3600,
    "margin",
    0,
    "skus",
    SALE_SKU,
  );
  const first = await admitTick(deps, SALE_ID);
  if (first?.frame.status !== "live") throw new Error(`the bench sale did not go live (status ${first?.frame.status})`);
}

/** The integers from..to-1 in random order. */
function shuffled(from: number, to: number): number[] {
  const out = Array.from({ length: to - from }, (_, i) => from + i);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function inBatches<T>(count: number, size: number, each: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += size)
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => each(i + j)))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Joins per second

export async function benchQueueJoins(redis: Redis, plan: QueuePlan, quick: boolean): Promise<Throughput[]> {
  const deps = benchDeps(redis, PREFIX);
  await openSale(deps);
  const k = deps.keys.sale(SALE_ID);

  const sha = String(await redis.script("LOAD", "return 1"));
  // The data-structure floor of a join: a sequence number and a sorted-set entry. Two plain
  // commands, which the client's auto-pipelining batches with everyone else's (an explicit
  // pipeline() per join is slower: each one is written on its own).
  const bare = { seq: `${PREFIX}bare:{x}:seq`, line: `${PREFIX}bare:{x}:line` };
  const bareJoin = (n: number) => Promise.all([redis.incr(bare.seq), redis.zadd(bare.line, n, `t_${n}`)]);

  const results: Throughput[] = [];
  console.log(
    `(c) queue joins: ${fmt(plan.entrants)} shoppers join one line, ${CONCURRENCY} in flight` +
      (quick ? " (--quick; the full run joins 1,000,000)" : ""),
  );
  for (const [label, op, warmUp] of [
    ["ceiling: EVALSHA `return 1`", () => redis.evalsha(sha, 0), undefined],
    ["bare INCR + ZADD", bareJoin, (n: number) => bareJoin(-1 - n)],
    ["joinQueue", (n: number) => joinQueue(deps, SALE_ID, entrant(n)), (n: number) => joinQueue(deps, SALE_ID, `bench-warm-${n}`)],
  ] as const) {
    const r = await saturate(label, redis, { operations: plan.entrants }, op, warmUp);
    printThroughput(r);
    results.push(r);
  }

  // Every join took a place of its own, in one line.
  const [line, seq] = await Promise.all([redis.zcard(k.queue), redis.hget(k.hash, "seq")]);
  const expected = plan.entrants + CONCURRENCY;
  const joins = results[2]!;
  if (joins.failed > 0 || line !== expected || Number(seq) !== expected) {
    throw new Error(`the line holds ${line} entrants (seq ${seq}); ${expected} joined, ${joins.failed} joins failed`);
  }
  console.log(`    the line holds ${fmt(line)} entrants, one place each`);
  return results;
}

// ---------------------------------------------------------------------------------------------
// A change of place -> waiting clients

export interface QueueLatency {
  /** Every client's receipt of every frame, from the moment the frame was broadcast. */
  all: Latency;
  /** Per tick: until the last of the clients had it. */
  last: Latency;
  /** Per tick: the admitTick call itself (stock read + Lua step), before the broadcast. */
  tick: Latency;
  poll: Latency;
  mismatches: number;
}

/** A waiting shopper's page: its place kept by the storefront's own model (components/sale/queue-model.ts). */
interface Watcher {
  socket: BenchClient;
  ticket: string;
  model: QueueModel | null;
  /** Frames the model could not apply exactly (it would watch again). */
  rewatches: number;
  receipts: { tick: number; at: number }[];
}

const NO_MODEL: QueueModel = {
  counters: {
    status: "live",
    tick: 0,
    admitted: 0,
    admittedThrough: 0,
    waiting: 0,
    prequeue: 0,
    unitsLeft: 0,
    stockLeft: 0,
    rate: 0,
    startsAt: 0,
    now: 0,
  },
  ticket: null,
  startPosition: 0,
  token: null,
};

function apply(w: Watcher, frame: QueueFrame): void {
  const result = applyFrame(w.model!, frame, WINDOW_SECONDS);
  w.model = result.model;
  if (result.rewatch) w.rewatches++;
}

async function connectWatchers(url: string, tickets: string[]): Promise<Watcher[]> {
  const watchers: Watcher[] = [];
  // In batches: a thousand simultaneous handshakes only measure the accept queue.
  await inBatches(tickets.length, 100, async (i) => {
    const ticket = tickets[i]!;
    const socket: BenchClient = connect(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: ORIGIN },
    });
    const w: Watcher = { socket, ticket, model: null, rewatches: 0, receipts: [] };
    watchers.push(w);
    // Listen before watching: a frame may arrive before the snapshot's ack; applied only above its tick.
    const early: QueueFrame[] = [];
    socket.on("queue", (frame) => {
      w.receipts.push({ tick: frame.tick, at: clock() });
      if (w.model) apply(w, frame);
      else early.push(frame);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect_error", reject);
      socket.once("connect", () => resolve());
    });
    const res = await socket.timeout(10_000).emitWithAck("queue:watch", { saleId: SALE_ID, ticket });
    if (!res.ok) throw new Error(res.error.message);
    if (res.data.ticket?.state !== "waiting") throw new Error(`watcher ${ticket} is ${res.data.ticket?.state ?? "unknown"}, not waiting`);
    w.model = fromSnapshot(NO_MODEL, res.data);
    for (const frame of early) apply(w, frame);
  });
  return watchers;
}

export async function benchQueueLatency(redis: Redis, redisUrl: string, plan: QueuePlan): Promise<QueueLatency> {
  const deps = benchDeps(redis, PREFIX);
  const k = deps.keys.sale(SALE_ID);
  // Behind the line from the joins bench: the watchers, then as many shoppers again behind them.
  const joined = await inBatches(plan.watchers, 100, (i) => joinQueue(deps, SALE_ID, watcher(i)));
  await inBatches(plan.watchers, 100, (i) => joinQueue(deps, SALE_ID, trailer(i)));
  await redis.hset(k.hash, "rate", plan.admissionRate);

  const gateway = await startGatewayChild(redisUrl, PREFIX, 25);
  // Every client watches (takes its snapshot) before the first leave: the check below covers the
  // frames, not a snapshot taken between a leave and the next tick.
  const lineBefore = await redis.zcard(k.queue);
  const connectStarted = performance.now();
  const watchers = await connectWatchers(
    `http://127.0.0.1:${gateway.port}`,
    joined.map((j) => j.ticket),
  );
  const connectMs = performance.now() - connectStarted;
  console.log(
    `\n(d) queue position → client: ${plan.watchers} socket.io clients waiting in a line of ${fmt(lineBefore)}, ` +
      `${plan.ticks} ticks ${plan.tickMs} ms apart admitting ${plan.admissionRate}/s, ` +
      `${LEAVES_AHEAD_PER_TICK + LEAVES_BEHIND_PER_TICK} shoppers leave before each (${plan.watchers} clients watching after ${Math.round(connectMs)} ms)`,
  );

  // Leavers ahead of the watchers come from the back half of the entrants (never admitted during the bench).
  const ahead = shuffled(Math.floor(plan.entrants / 2), plan.entrants).map(entrant);
  const behind = shuffled(0, plan.watchers).map(trailer);
  const leave = async (session: string | undefined) => {
    if (session === undefined) throw new Error("the bench ran out of shoppers to leave");
    const { left } = await leaveQueue(deps, SALE_ID, session, ticketFor(SALE_ID, session));
    if (!left) throw new Error(`${session} was not in line`);
  };

  const reports: TickReport[] = [];
  for (let t = 0; t < plan.ticks; t++) {
    // About one admitter period apart (server/workers/holds-and-ledger.ts every); the leaves land in between.
    await sleep(plan.tickMs);
    await Promise.all([
      ...Array.from({ length: LEAVES_AHEAD_PER_TICK }, () => leave(ahead.pop())),
      ...Array.from({ length: LEAVES_BEHIND_PER_TICK }, () => leave(behind.pop())),
    ]);
    const report = await gateway.tick(SALE_ID);
    if (!report?.changed) throw new Error(`tick ${t} changed nothing`);
    reports.push(report);
  }
  await sleep(1_000);

  const sentAt = new Map(reports.map((r) => [r.tick, r.at]));
  const all: number[] = [];
  const lastByTick = new Map<number, number>();
  for (const w of watchers) {
    for (const r of w.receipts) {
      const at = sentAt.get(r.tick);
      if (at === undefined) continue;
      all.push(r.at - at);
      lastByTick.set(r.tick, Math.max(lastByTick.get(r.tick) ?? 0, r.at - at));
    }
  }

  // Correctness: every client's derived place is its exact place now.
  const exact = await inBatches(watchers.length, 100, (i) => queueSnapshot(deps, SALE_ID, watchers[i]!.ticket));
  let mismatches = 0;
  let rewatches = 0;
  exact.forEach((snap, i) => {
    const w = watchers[i]!;
    const mine = w.model?.ticket;
    rewatches += w.rewatches;
    if (snap.ticket?.state !== mine?.state || snap.ticket?.position !== mine?.position || snap.tick !== w.model?.counters.tick)
      mismatches++;
  });
  const admitted = reports.reduce((n, r) => n + r.admittedNow, 0);
  const moved = exact[0] && joined[0] ? joined[0].position - exact[0].ticket!.position : 0;

  for (const w of watchers) w.socket.disconnect();
  await gateway.stop();

  const expected = plan.ticks * plan.watchers;
  const result: QueueLatency = {
    all: summarize(`push, every client`, all, expected),
    last: summarize(`  last of ${plan.watchers} clients`, [...lastByTick.values()], plan.ticks),
    tick: summarize(
      `  admitTick before it`,
      reports.map((r) => r.tickMs),
      plan.ticks,
    ),
    poll: pollingLatency(
      reports.map((r) => r.at),
      plan.watchers,
    ),
    mismatches,
  };
  printLatency(result.all, `${result.all.samples}/${expected} frames; from just before the broadcast to receipt`);
  printLatency(result.last, "per tick: until every client had it");
  printLatency(result.tick, `per tick: ${fmt(admitted)} admitted in all, the first watcher moved up ${fmt(moved)} places`);
  printLatency(result.poll, "GET …/queue/:ticket every 5 s: same tick times, random phase per client");
  console.log(
    `    derived place ≠ exact place (queueSnapshot): ${mismatches} of ${watchers.length} clients` +
      `${rewatches ? ` (${rewatches} frames the model could not apply)` : ""}${mismatches ? "  ← MUST BE 0" : ""}`,
  );
  return result;
}
