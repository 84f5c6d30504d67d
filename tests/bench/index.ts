// Benchmark: `npm run bench` (a few minutes) or `npm run bench -- --quick` (about a minute).
// Starts its own Redis in a temporary folder and prints, side by side:
//   (a) reservations per second through the engine (hot SKU, 1,000 SKUs) next to the raw ceiling
//       of the same Redis running a trivial EVALSHA at the same concurrency from this process;
//   (b) stock change -> socket client latency with 1,000+ subscribed clients on one gateway
//       (the gateway runs in a child process, as the sidecar would), next to what a client
//       polling every 5 s would see for the same changes;
//   (c) flash-sale queue joins per second into one line of 100,000 entrants, next to the same
//       ceiling and a bare INCR + ZADD (tests/bench/queue.ts);
//   (d) admission tick -> 1,000 waiting clients' sockets, next to polling the ticket every 5 s,
//       and a check that every client's derived place equals its exact place.
// The paths measured never touch Postgres, so none is started.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { io as connect } from "socket.io-client";
import { adjustStock, setStock } from "../../lib/inventory";
import { createRedis } from "../../lib/redis";
import { placeReservation } from "../../lib/reservations";
import { startRedis } from "../../scripts/services";
import { benchQueueJoins, benchQueueLatency, type QueueLatency, type QueuePlan } from "./queue";
import {
  benchDeps,
  CONCURRENCY,
  fmt,
  ms,
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
} from "./shared";

interface Plan {
  quick: boolean;
  throughputMs: number;
  clients: number;
  changes: number;
  coalesceWindows: number[];
  queue: QueuePlan;
}

function planFromArgs(argv: string[]): Plan {
  const quick = argv.includes("--quick");
  return quick
    ? {
        quick, throughputMs: 3_000, clients: 1_000, changes: 80, coalesceWindows: [25, 0],
        queue: { entrants: 20_000, watchers: 1_000, ticks: 40, tickMs: 250, admissionRate: 200 },
      }
    : {
        quick, throughputMs: 10_000, clients: 1_000, changes: 200, coalesceWindows: [25, 0],
        queue: { entrants: 100_000, watchers: 1_000, ticks: 120, tickMs: 250, admissionRate: 200 },
      };
}

// ---------------------------------------------------------------------------------------------
// (a) reservations per second

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
    const r = await saturate(label, redis, { durationMs: plan.throughputMs }, op);
    printThroughput(r);
    results.push(r);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) change -> client latency

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

  const gateway = await startGatewayChild(redisUrl, prefix, coalesceMs);

  const changedAt = new Map<number, number>();
  const watcher = redis.duplicate();
  watcher.on("message", (_channel: string, message: string) => {
    const e = JSON.parse(message) as { sku: string; version: number; at: number };
    if (e.sku === sku) changedAt.set(e.version, e.at);
  });
  await watcher.subscribe(deps.keys.eventsChannel);

  const connectStarted = performance.now();
  const clients = await connectClients(`http://127.0.0.1:${gateway.port}`, plan.clients, sku);
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
  await gateway.stop();

  const push = summarize(`push, ${coalesceMs} ms coalescing`, latencies, plan.changes * plan.clients);
  const first = summarize(`  first of ${plan.clients} clients`, [...firstReceipt.values()], plan.changes);
  printLatency(push, `${push.samples}/${push.expected} frames; ${plan.clients} clients connected in ${Math.round(connectMs)} ms`);
  printLatency(first, "per change: the earliest receipt");
  return { push, first, changeTimes };
}

function printSummary(plan: Plan, r: { throughput: Throughput[]; push: Latency[]; joins: Throughput[]; queue: QueueLatency }): void {
  const line = (l: string, m: string, r: string, first = m) => `  ${l}${"─".repeat(36)}${first}${"─".repeat(10)}${`${m}${"─".repeat(10)}`.repeat(3)}${r}`;
  const row = (label: string, cells: string[]) => `  │ ${label.padEnd(34)} │${cells.map((c) => ` ${c.padStart(8)} │`).join("")}`;
  const pct = (n: number) => `${n.toFixed(1)} %`;
  const throughputRows = (rows: Throughput[]) => {
    const ceiling = rows[0]!;
    for (const t of rows) {
      console.log(row(t.label, [fmt(t.opsPerSecond), pct((t.opsPerSecond / ceiling.opsPerSecond) * 100), ms(t.latency.p50).trim(), ms(t.latency.p99).trim()]));
    }
  };
  const latencyRows = (rows: Latency[]) => {
    for (const l of rows) console.log(row(l.label, [l.p50, l.p95, l.p99, l.max].map((n) => ms(n).trim())));
  };
  const section = (title: string, heads: string[]) => {
    console.log(line("├", "┼", "┤"));
    console.log(row(title, heads));
    console.log(line("├", "┼", "┤"));
  };

  console.log("\nSummary");
  console.log(line("┌", "┬", "┐"));
  console.log(row(`(a) reservations, ${CONCURRENCY} in flight`, ["ops/s", "ceiling", "p50", "p99"]));
  console.log(line("├", "┼", "┤"));
  throughputRows(r.throughput);
  section(`(b) stock change → ${plan.clients} clients`, ["p50", "p95", "p99", "max"]);
  latencyRows(r.push);
  section(`(c) queue joins, ${fmt(plan.queue.entrants)} entrants`, ["ops/s", "ceiling", "p50", "p99"]);
  throughputRows(r.joins);
  section(`(d) queue tick → ${plan.queue.watchers} waiting`, ["p50", "p95", "p99", "max"]);
  latencyRows([r.queue.all, r.queue.last, r.queue.tick, r.queue.poll]);
  console.log(line("├", "┴", "┤", "┼"));
  const verdict = `${r.queue.mismatches} of ${plan.queue.watchers} clients${r.queue.mismatches ? " ← MUST BE 0" : ""}`;
  console.log(`  │ ${"derived place ≠ exact place".padEnd(34)} │ ${verdict.padStart(41)} │`);
  console.log(line("└", "─", "┘", "┴"));
}

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
    printLatency(poll, "same change times, random phase per client");
    await redis.flushall();

    console.log();
    const joins = await benchQueueJoins(redis, plan.queue, plan.quick);
    const queue = await benchQueueLatency(redis, redisProcess.url, plan.queue);

    printSummary(plan, { throughput, push: [...push, poll], joins, queue });
    console.log(`  total ${(Math.round((performance.now() - started) / 100) / 10).toFixed(1)} s`);
    if (queue.mismatches > 0) process.exitCode = 1;
  } finally {
    redis.disconnect();
    await redisProcess.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
