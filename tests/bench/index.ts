// Benchmark: `npm run bench` (about 2 minutes) or `npm run bench -- --quick` (under a minute).
// Starts its own Redis in a temporary folder and prints, side by side:
//   (a) reservations per second through the engine (hot SKU, 1,000 SKUs) next to the raw ceiling
//       of the same Redis running a trivial EVALSHA at the same concurrency from this process;
//   (b) stock change -> socket client latency with 1,000+ subscribed clients on one gateway
//       (the gateway runs in a child process, as the sidecar would), next to what a client
//       polling every 5 s would see for the same changes.
// The paths measured never touch Postgres, so none is started.
import { fork, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { Deps } from "../../lib/context";
import type { Db } from "../../lib/db";
import { adjustStock, setStock } from "../../lib/inventory";
import { redisKeys } from "../../lib/keys";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/protocol";
import { createRedis } from "../../lib/redis";
import { placeReservation } from "../../lib/reservations";
import { closeApplication, createApplication } from "../../server/gateway";
import { startRedis } from "../../scripts/services";

const ORIGIN = "http://bench.stockwire.test";
const POLL_INTERVAL_MS = 5_000;
const CONCURRENCY = 64;

interface Plan {
  quick: boolean;
  throughputMs: number;
  clients: number;
  changes: number;
  coalesceWindows: number[];
}

function planFromArgs(argv: string[]): Plan {
  const quick = argv.includes("--quick");
  return quick
    ? { quick, throughputMs: 3_000, clients: 1_000, changes: 80, coalesceWindows: [25, 0] }
    : { quick, throughputMs: 10_000, clients: 1_000, changes: 200, coalesceWindows: [25, 0] };
}

// Every path benchmarked here is Redis-only; a Postgres call would be a bug in the bench's premise.
const noPostgres = new Proxy({}, {
  get() {
    throw new Error("the benchmarked paths must not touch Postgres");
  },
}) as Db;

function benchDeps(redis: Redis, prefix: string): Deps {
  return { redis, db: noPostgres, keys: redisKeys(prefix), holdTtlSeconds: 600 };
}

// ---------------------------------------------------------------------------------------------
// (a) reservations per second

interface Throughput {
  label: string;
  opsPerSecond: number;
  completed: number;
  failed: number;
  redisCommandsPerOp: number;
  /** Share of one core Redis used during the run: near 100 % means Redis is the bottleneck. */
  redisCpuPercent: number;
}

async function redisCounters(redis: Redis): Promise<{ commands: number; cpuSeconds: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return { commands: field("total_commands_processed"), cpuSeconds: field("used_cpu_user") + field("used_cpu_sys") };
}

/** Keep `concurrency` operations in flight for durationMs; count what completed. */
async function saturate(label: string, redis: Redis, durationMs: number, operation: (n: number) => Promise<unknown>): Promise<Throughput> {
  // Warm-up: script caches, connection, JIT.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => operation(i)));
  let completed = 0;
  let failed = 0;
  let n = 0;
  const before = await redisCounters(redis);
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        try {
          await operation(n++);
          completed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const after = await redisCounters(redis);
  return {
    label,
    opsPerSecond: (completed / elapsed) * 1000,
    completed,
    failed,
    redisCommandsPerOp: (after.commands - before.commands - 1) / Math.max(1, completed + failed),
    redisCpuPercent: ((after.cpuSeconds - before.cpuSeconds) / (elapsed / 1000)) * 100,
  };
}

async function benchReservations(redis: Redis, plan: Plan): Promise<Throughput[]> {
  const deps = benchDeps(redis, "bench-res:");
  const stock = { onHand: 1_000_000_000, safety: 0, lowStockThreshold: 5, source: "bench" };
  const hot = "BENCH-HOT";
  await setStock(deps, { sku: hot, ...stock });
  const many = Array.from({ length: 1_000 }, (_, i) => `BENCH-${String(i).padStart(4, "0")}`);
  for (let i = 0; i < many.length; i += 100) await Promise.all(many.slice(i, i + 100).map((sku) => setStock(deps, { sku, ...stock })));

  const hold = (sku: string) => placeReservation(deps, { sessionId: `bench-${sku}`, items: [{ sku, quantity: 1 }], source: "bench" });
  const sha = String(await redis.script("LOAD", "return 1"));

  const results: Throughput[] = [];
  console.log(`(a) throughput: ${CONCURRENCY} in flight, ${plan.throughputMs / 1000} s per run`);
  for (const [label, op] of [
    ["ceiling: EVALSHA `return 1`", () => redis.evalsha(sha, 0)],
    ["placeReservation, 1 hot SKU", () => hold(hot)],
    ["placeReservation, 1,000 SKUs", (n: number) => hold(many[n % many.length]!)],
  ] as const) {
    const r = await saturate(label, redis, plan.throughputMs, op);
    console.log(`    ${label.padEnd(30)} ${fmt(r.opsPerSecond).padStart(8)} /s  (${r.completed} ok, ${r.failed} failed, ${r.redisCommandsPerOp.toFixed(1)} Redis commands each counting those inside Lua; Redis at ${r.redisCpuPercent.toFixed(0)} % of a core)`);
    results.push(r);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) change -> client latency

interface Latency {
  label: string;
  p50: number;
  p95: number;
  p99: number;
  samples: number;
  expected: number;
}

type BenchClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** Child-process mode: run one gateway against the bench Redis and report its port. */
async function serveGateway(redisUrl: string, prefix: string, coalesceMs: number): Promise<void> {
  const redis = createRedis(redisUrl, "bench-gateway");
  const subscriber = redis.duplicate();
  const deps = benchDeps(redis, prefix);
  const httpServer = createServer();
  const io = createApplication(httpServer, { redis, subscriber, keys: deps.keys, deps, allowedOrigins: [ORIGIN], coalesceMs });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  while ((await redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] === 0) await sleep(10);
  process.send?.({ port: (httpServer.address() as AddressInfo).port });
  process.once("message", async () => {
    await closeApplication(io);
    subscriber.disconnect();
    redis.disconnect();
    process.exit(0);
  });
  process.once("disconnect", () => process.exit(0));
}

async function connectClients(url: string, count: number, sku: string): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  // In batches: a thousand simultaneous handshakes only measure the accept queue.
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => {
      const socket: BenchClient = connect(url, { transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders: { origin: ORIGIN } });
      clients.push(socket);
      return new Promise<void>((resolve, reject) => {
        socket.once("connect_error", reject);
        socket.once("connect", async () => {
          const res = await socket.timeout(10_000).emitWithAck("subscribe", { skus: [sku] });
          if (res.ok) resolve();
          else reject(new Error(res.error.message));
        });
      });
    });
    await Promise.all(batch);
  }
  return clients;
}

async function benchLatency(redis: Redis, redisUrl: string, plan: Plan, coalesceMs: number): Promise<{ push: Latency; first: Latency; changeTimes: number[] }> {
  const prefix = `bench-live-${coalesceMs}:`;
  const deps = benchDeps(redis, prefix);
  const sku = "BENCH-LIVE";
  await setStock(deps, { sku, onHand: 1_000_000, safety: 0, lowStockThreshold: 5, source: "bench" });

  const child = fork(fileURLToPath(import.meta.url), ["--serve-gateway", redisUrl, prefix, String(coalesceMs)], { stdio: "inherit" });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`gateway child exited with ${code}`)));
  });

  const changedAt = new Map<number, number>();
  const watcher = redis.duplicate();
  watcher.on("message", (_channel: string, message: string) => {
    const e = JSON.parse(message) as { sku: string; version: number; at: number };
    if (e.sku === sku) changedAt.set(e.version, e.at);
  });
  await watcher.subscribe(deps.keys.eventsChannel);

  const connectStarted = performance.now();
  const clients = await connectClients(`http://127.0.0.1:${port}`, plan.clients, sku);
  const connectMs = performance.now() - connectStarted;

  const received: { version: number; at: number }[] = [];
  for (const socket of clients) socket.on("stock", (u) => received.push({ version: u.version, at: Date.now() }));

  // Spaced wider than the coalescing window, so every change is its own frame, and wide
  // enough that the one process decoding every client's frames keeps up (a real shopper's
  // browser decodes one frame, not a thousand).
  const spacingMs = Math.max(100, coalesceMs * 4);
  const baseVersion = Number((await redis.hget(deps.keys.stock(sku), "version")) ?? 0);
  for (let i = 0; i < plan.changes; i++) {
    // Relative spacing: catching up on a late timer would fire two changes inside one window.
    await sleep(spacingMs);
    await adjustStock(deps, { sku, delta: i % 2 === 0 ? -1 : 1, reason: "bench", source: "bench" });
  }
  await sleep(Math.max(500, coalesceMs * 4));

  const latencies: number[] = [];
  const firstReceipt = new Map<number, number>();
  for (const r of received) {
    const at = changedAt.get(r.version);
    if (r.version <= baseVersion || at === undefined) continue;
    latencies.push(r.at - at);
    firstReceipt.set(r.version, Math.min(firstReceipt.get(r.version) ?? Infinity, r.at - at));
  }
  const changeTimes = [...changedAt].filter(([v]) => v > baseVersion).map(([, at]) => at);

  for (const socket of clients) socket.disconnect();
  await watcher.quit();
  child.send("stop");
  await new Promise((resolve) => child.once("exit", resolve));

  const push = summarize(`push, ${coalesceMs} ms coalescing`, latencies, plan.changes * plan.clients);
  const first = summarize(`  first of ${plan.clients} clients`, [...firstReceipt.values()], plan.changes);
  console.log(
    `    ${push.label.padEnd(30)} p50 ${ms(push.p50)}  p95 ${ms(push.p95)}  p99 ${ms(push.p99)}  ` +
      `(${push.samples}/${push.expected} frames; ${plan.clients} clients connected in ${Math.round(connectMs)} ms)`,
  );
  console.log(`    ${first.label.padEnd(30)} p50 ${ms(first.p50)}  p95 ${ms(first.p95)}  p99 ${ms(first.p99)}  (per change: the earliest receipt)`);
  return { push, first, changeTimes };
}

/** What a client polling every 5 s would see: wait until its next poll, each client with a random phase. */
function pollingLatency(changeTimes: number[], clients: number): Latency {
  const waits: number[] = [];
  for (let c = 0; c < clients; c++) {
    const phase = Math.random() * POLL_INTERVAL_MS;
    for (const t of changeTimes) waits.push((((phase - t) % POLL_INTERVAL_MS) + POLL_INTERVAL_MS) % POLL_INTERVAL_MS);
  }
  return summarize(`poll every ${POLL_INTERVAL_MS / 1000} s`, waits, changeTimes.length * clients);
}

// ---------------------------------------------------------------------------------------------

function summarize(label: string, samples: number[], expected: number): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN);
  return { label, p50: at(0.5), p95: at(0.95), p99: at(0.99), samples: samples.length, expected };
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => `${n.toFixed(n < 100 ? 1 : 0)} ms`.padStart(9);

/**
 * Each client holds a socket. Node raises its soft open-file limit to the hard limit at
 * start (and children inherit it), so only a low hard limit can stop the bench.
 */
function checkFileLimit(needed: number): void {
  const soft = Number(spawnSync("sh", ["-c", "ulimit -Sn"], { encoding: "utf8" }).stdout.trim());
  if (Number.isFinite(soft) && soft < needed) {
    throw new Error(`The bench needs about ${needed} open files per process; the limit is ${soft}. Raise it (ulimit -Hn / limits.conf) and retry.`);
  }
}

async function main(): Promise<void> {
  const plan = planFromArgs(process.argv.slice(2));
  checkFileLimit(plan.clients + 512);

  const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-bench-"));
  chmodSync(dir, 0o755);
  const redisProcess = await startRedis({ dir: path.join(dir, "redis") });
  const redis = createRedis(redisProcess.url, "bench");
  const started = performance.now();
  try {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    console.log(`Stockwire bench${plan.quick ? " (--quick)" : ""}: Node ${process.version}, ${os.cpus().length} × ${cpu}, Redis on :${redisProcess.port}\n`);

    const throughput = await benchReservations(redis, plan);
    await redis.flushall();

    console.log(`\n(b) latency: ${plan.clients} socket.io clients subscribed to one SKU, ${plan.changes} changes`);
    const push: Latency[] = [];
    let changeTimes: number[] = [];
    for (const coalesceMs of plan.coalesceWindows) {
      const run = await benchLatency(redis, redisProcess.url, plan, coalesceMs);
      push.push(run.push, run.first);
      if (changeTimes.length === 0) changeTimes = run.changeTimes;
    }
    const poll = pollingLatency(changeTimes, plan.clients);
    console.log(`    ${poll.label.padEnd(30)} p50 ${ms(poll.p50)}  p95 ${ms(poll.p95)}  p99 ${ms(poll.p99)}  (same change times, random phase per client)`);

    const ceiling = throughput[0]!;
    console.log("\nSummary");
    console.log("  ┌────────────────────────────────────┬──────────────┬─────────────────┐");
    console.log("  │ throughput, 64 in flight           │        ops/s │ of raw ceiling  │");
    console.log("  ├────────────────────────────────────┼──────────────┼─────────────────┤");
    for (const r of throughput) {
      console.log(`  │ ${r.label.padEnd(34)} │ ${fmt(r.opsPerSecond).padStart(12)} │ ${`${((r.opsPerSecond / ceiling.opsPerSecond) * 100).toFixed(1)} %`.padStart(15)} │`);
    }
    console.log("  ├────────────────────────────────────┼──────────┬──────────┬──────────┤");
    console.log(`  │ ${`change → client, ${plan.clients} clients`.padEnd(34)} │      p50 │      p95 │      p99 │`);
    console.log("  ├────────────────────────────────────┼──────────┼──────────┼──────────┤");
    for (const l of [...push, poll]) console.log(`  │ ${l.label.padEnd(34)} │${ms(l.p50)} │${ms(l.p95)} │${ms(l.p99)} │`);
    console.log("  └────────────────────────────────────┴──────────┴──────────┴──────────┘");
    console.log(`  total ${(Math.round((performance.now() - started) / 100) / 10).toFixed(1)} s`);
  } finally {
    redis.disconnect();
    await redisProcess.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--serve-gateway") {
  const [redisUrl, prefix, coalesceMs] = process.argv.slice(3);
  void serveGateway(redisUrl!, prefix!, Number(coalesceMs));
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
