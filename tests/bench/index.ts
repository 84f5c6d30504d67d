// Benchmark: `npm run bench` (a few minutes) or `npm run bench -- --quick` (about a minute).
// Starts its own Redis in a temporary folder and prints, side by side:
//   (a) reservations per second through the engine (hot SKU, 1,000 SKUs, 3-line carts) next to the raw ceiling
//       of the same Redis running a trivial EVALSHA at the same concurrency from this process;
//   (b) stock change -> socket client latency with 1,000+ subscribed clients on one gateway
//       (the gateway runs in a child process, as the sidecar would; the clients are wire-level
//       socket.io clients split over child processes, tests/bench/thin-clients-child.ts), next
//       to what a client polling every 5 s would see for the same changes;
//   (c) flash-sale queue joins per second into one line of 100,000 entrants, next to the same
//       ceiling and a bare INCR + ZADD (tests/bench/queue.ts);
//   (d) admission tick -> 1,000 waiting clients' sockets, next to polling the ticket every 5 s,
//       and a check that every client's derived place equals its exact place.
//   (e)-(g) the real stack (tests/bench/storefront.ts): HTTP reservations through Next.js next
//       to a bare node:http server, bytes on the wire per update next to one poll, and a real
//       Chromium's badge latency.
// The full run uses 10,000 clients in (b) and (d) and 1,000,000 entrants in (c); --quick keeps
// 1,000 and 20,000. Parts (a)-(d) never touch Postgres; (e)-(g) start the whole stack.
//   (h) bulk stock sync: 10,000 rows in one bulkSync next to one request per row, with every
//       SKU watched live through a gateway: seconds, and badge frames per SKU (tests/bench/bulk.ts).
// `--engine` runs (a) alone, `--propagation` (b) alone and `--bulk` (h) alone.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { adjustStock, setStock } from "../../lib/stock";
import { createRedis, createSubscriber } from "../../lib/core/redis";
import { placeReservation } from "../../lib/reservations";
import { startRedis } from "../../scripts/services";
import { benchStorefront, type StorefrontPlan, type StorefrontResult } from "./storefront";
import { benchBulkSync, type BulkPlan, type BulkRun } from "./bulk";
import { benchQueueJoins, benchQueueLatency, type QueueLatency, type QueuePlan } from "./queue";
import {
  benchDeps,
  CONCURRENCY,
  fmt,
  ms,
  pollingLatency,
  printLatency,
  printThroughput,
  saturate,
  sleep,
  startGatewayChild,
  startThinClients,
  summarize,
  type Latency,
  type MemoryReport,
  type Throughput,
} from "./shared";

interface Plan {
  quick: boolean;
  throughputMs: number;
  clients: number;
  changes: number;
  coalesceWindows: number[];
  queue: QueuePlan;
  storefront: StorefrontPlan;
  bulk: BulkPlan;
}

function planFromArgs(argv: string[]): Plan {
  const quick = argv.includes("--quick");
  return quick
    ? {
        quick,
        throughputMs: 3_000,
        clients: 1_000,
        changes: 80,
        coalesceWindows: [25, 0],
        queue: { entrants: 20_000, watchers: 1_000, ticks: 40, tickMs: 250, admissionRate: 200 },
        storefront: { httpMs: 5_000, warmUpMs: 2_000, reservations: 50 },
        bulk: { skus: 2_500 },
      }
    : {
        quick,
        throughputMs: 10_000,
        clients: 10_000,
        changes: 40,
        coalesceWindows: [25, 0],
        queue: { entrants: 1_000_000, watchers: 10_000, ticks: 60, tickMs: 250, admissionRate: 200 },
        storefront: { httpMs: 10_000, warmUpMs: 8_000, reservations: 50 },
        bulk: { skus: 2_500 },
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
  // A 3-line cart: three SKUs of the thousand, all held or none.
  const cart = (n: number) =>
    placeReservation(deps, {
      sessionId: `bench-cart-${n % 997}`,
      items: [0, 1, 2].map((k) => ({ sku: many[(n * 3 + k * 337) % many.length]!, quantity: 1 })),
      source: "bench",
    });
  const sha = String(await redis.script("LOAD", "return 1"));

  const results: Throughput[] = [];
  console.log(`(a) throughput: ${CONCURRENCY} in flight, ${plan.throughputMs / 1000} s per run`);
  for (const [label, op] of [
    ["ceiling: EVALSHA `return 1`", () => redis.evalsha(sha, 0)],
    ["placeReservation, 1 hot SKU", () => hold(hot)],
    ["placeReservation, 1,000 SKUs", (n: number) => hold(many[n % many.length]!)],
    ["placeReservation, 3-line carts", (n: number) => cart(n)],
  ] as const) {
    const r = await saturate(label, redis, { durationMs: plan.throughputMs }, op);
    printThroughput(r);
    results.push(r);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) change -> client latency

/** Child processes the (b) clients are split over: one per core, as far as this machine goes. */
const THIN_CLIENT_PROCESSES = Math.max(1, Math.min(4, os.cpus().length));

interface LatencyRun {
  push: Latency;
  first: Latency;
  changeTimes: number[];
  /** The gateway process before any client and after every client subscribed (full GC before each). */
  memory: { before: MemoryReport; after: MemoryReport };
  /** TCP bytes one client read (and wrote) per change: WebSocket frames as they crossed the socket. */
  tcpBytesPerChange: { read: number; written: number };
  /** CPU time per delivered frame while the changes ran (µs): the gateway's, and the client processes' together. */
  cpuPerFrame: { gateway: number; clients: number };
}

async function benchLatency(redis: Redis, redisUrl: string, plan: Plan, coalesceMs: number): Promise<LatencyRun> {
  const prefix = `bench-live-${coalesceMs}:`;
  const deps = benchDeps(redis, prefix);
  const sku = "BENCH-LIVE";
  await setStock(deps, { sku, onHand: 1_000_000, safety: 0, lowStockThreshold: 5, source: "bench" });

  const gateway = await startGatewayChild(redisUrl, prefix, coalesceMs);

  const changedAt = new Map<number, number>();
  const watcher = createSubscriber(redis);
  watcher.on("message", (_channel: string, message: string) => {
    const e = JSON.parse(message) as { sku: string; version: number; at: number };
    if (e.sku === sku) changedAt.set(e.version, e.at);
  });
  await watcher.subscribe(deps.keys.eventsChannel);

  const memoryBefore = await gateway.memory();
  const connectStarted = performance.now();
  const clients = await startThinClients(`http://127.0.0.1:${gateway.port}`, sku, plan.clients, THIN_CLIENT_PROCESSES);
  const connectMs = performance.now() - connectStarted;
  await sleep(500);
  const memoryAfter = await gateway.memory();
  // The client's `ws` net.Socket counts raw bytes: WebSocket frames as they crossed TCP.
  const { bytes: tcpBefore, cpuMicros: clientCpuBefore } = await clients.record();
  const gatewayCpuBefore = await gateway.cpu();

  // Spaced wider than the coalescing window, so every change is its own frame, and wide
  // enough that one change's broadcast has reached every client before the next starts (on
  // the 2-core machine about 0.3 s for 10,000 clients, see (d)): closer changes would queue
  // behind each other and measure the gateway's saturation, not a change's latency.
  const spacingMs = Math.max(100, coalesceMs * 4, plan.clients / 10);
  const baseVersion = Number((await redis.hget(deps.keys.stock(sku), "version")) ?? 0);
  for (let i = 0; i < plan.changes; i++) {
    // Relative spacing: catching up on a late timer would fire two changes inside one window.
    await sleep(spacingMs);
    await adjustStock(deps, { sku, delta: i % 2 === 0 ? -1 : 1, reason: "bench", source: "bench" });
  }
  await sleep(Math.max(500, coalesceMs * 4, spacingMs * 2));
  const gatewayCpuAfter = await gateway.cpu();
  const { frames, bytes: tcpAfter, cpuMicros: clientCpuAfter } = await clients.report();
  const tcpBytesPerChange = {
    read: (tcpAfter.read - tcpBefore.read) / plan.changes,
    written: (tcpAfter.written - tcpBefore.written) / plan.changes,
  };

  const latencies: number[] = [];
  const firstReceipt = new Map<number, number>();
  for (const pairs of frames) {
    for (let i = 0; i < pairs.length; i += 2) {
      const [version, receivedAt] = [pairs[i]!, pairs[i + 1]!];
      const at = changedAt.get(version);
      if (version <= baseVersion || at === undefined) continue;
      latencies.push(receivedAt - at);
      firstReceipt.set(version, Math.min(firstReceipt.get(version) ?? Infinity, receivedAt - at));
    }
  }
  const changeTimes = [...changedAt].filter(([v]) => v > baseVersion).map(([, at]) => at);

  await clients.stop();
  await watcher.quit();
  await gateway.stop();

  // Everything the processes did while the changes ran (heartbeats included), per frame delivered.
  const cpuPerFrame = {
    gateway: (gatewayCpuAfter - gatewayCpuBefore) / Math.max(1, latencies.length),
    clients: (clientCpuAfter - clientCpuBefore) / Math.max(1, latencies.length),
  };
  const push = summarize(`push, ${coalesceMs} ms coalescing`, latencies, plan.changes * plan.clients);
  const first = summarize(`  first of ${plan.clients} clients`, [...firstReceipt.values()], plan.changes);
  printLatency(push, `${push.samples}/${push.expected} frames; ${plan.clients} clients connected in ${Math.round(connectMs)} ms`);
  printLatency(first, "per change: the earliest receipt");
  const perClient = (k: keyof MemoryReport) => (memoryAfter[k] - memoryBefore[k]) / plan.clients / 1024;
  console.log(
    `    gateway memory per client: RSS ${perClient("rss").toFixed(1)} KiB, V8 heap ${perClient("heapUsed").toFixed(1)} KiB, external ${perClient("external").toFixed(1)} KiB ` +
      `(RSS ${(memoryBefore.rss / 2 ** 20).toFixed(0)} → ${(memoryAfter.rss / 2 ** 20).toFixed(0)} MiB); one client read ${tcpBytesPerChange.read.toFixed(1)} B per change over TCP`,
  );
  const perChangeMs = ((cpuPerFrame.gateway + cpuPerFrame.clients) * plan.clients) / 1000;
  console.log(
    `    CPU per delivered frame: gateway ${cpuPerFrame.gateway.toFixed(1)} µs, clients ${cpuPerFrame.clients.toFixed(1)} µs; ` +
      `one change to ${fmt(plan.clients)} clients costs ${perChangeMs.toFixed(0)} ms of CPU, ${(perChangeMs / os.cpus().length).toFixed(0)} ms on ${os.cpus().length} cores at best`,
  );
  return { push, first, changeTimes, memory: { before: memoryBefore, after: memoryAfter }, tcpBytesPerChange, cpuPerFrame };
}

/** A watched SKU changing once a minute, the rate the wire figures per hour assume. */
const UPDATES_PER_HOUR = 60;
/** engine.io heartbeat (pingInterval 25 s): a 3-byte ping frame down, a 7-byte masked pong up. */
const HEARTBEAT_BYTES_PER_HOUR = (3600 / 25) * (3 + 7);

interface Results {
  throughput: Throughput[];
  push: Latency[];
  memory: LatencyRun["memory"];
  tcpBytesPerChange: LatencyRun["tcpBytesPerChange"];
  /** Per coalescing window run of (b). */
  cpu: { label: string; cpuPerFrame: LatencyRun["cpuPerFrame"] }[];
  joins: Throughput[];
  queue: QueueLatency;
  storefront: StorefrontResult;
  bulk: BulkRun[];
}

function printSummary(plan: Plan, r: Results): void {
  const line = (l: string, m: string, r: string, first = m) =>
    `  ${l}${"─".repeat(36)}${first}${"─".repeat(10)}${`${m}${"─".repeat(10)}`.repeat(3)}${r}`;
  const row = (label: string, cells: string[]) => `  │ ${label.padEnd(34)} │${cells.map((c) => ` ${c.padStart(8)} │`).join("")}`;
  const pct = (n: number) => `${n.toFixed(1)} %`;
  const throughputRows = (rows: Throughput[]) => {
    const ceiling = rows[0]!;
    for (const t of rows) {
      console.log(
        row(t.label, [
          fmt(t.opsPerSecond),
          pct((t.opsPerSecond / ceiling.opsPerSecond) * 100),
          ms(t.latency.p50).trim(),
          ms(t.latency.p99).trim(),
        ]),
      );
    }
  };
  const latencyRows = (rows: Latency[]) => {
    for (const l of rows)
      console.log(
        row(
          l.label,
          [l.p50, l.p95, l.p99, l.max].map((n) => ms(n).trim()),
        ),
      );
  };
  const kb = (bytes: number) => (bytes < 10_000 ? `${bytes.toFixed(0)} B` : `${fmt(bytes / 1000)} kB`);
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
  section(`(b) stock change → ${fmt(plan.clients)} clients`, ["p50", "p95", "p99", "max"]);
  latencyRows(r.push);
  section(`(b) CPU per frame, ${fmt(plan.clients)} clients`, ["gateway", "clients", "/change", `÷${os.cpus().length} cores`]);
  for (const { label, cpuPerFrame } of r.cpu) {
    const perChange = ((cpuPerFrame.gateway + cpuPerFrame.clients) * plan.clients) / 1000;
    console.log(
      row(label, [
        `${cpuPerFrame.gateway.toFixed(1)} µs`,
        `${cpuPerFrame.clients.toFixed(1)} µs`,
        ms(perChange).trim(),
        ms(perChange / os.cpus().length).trim(),
      ]),
    );
  }
  const perClient = (k: keyof MemoryReport) => `${((r.memory.after[k] - r.memory.before[k]) / plan.clients / 1024).toFixed(1)} KiB`;
  section(`(b) sidecar memory, ${fmt(plan.clients)} clients`, ["RSS/cl", "heap/cl", "ext/cl", "RSS"]);
  console.log(
    row("per connected, subscribed client", [
      perClient("rss"),
      perClient("heapUsed"),
      perClient("external"),
      `${(r.memory.after.rss / 2 ** 20).toFixed(0)} MiB`,
    ]),
  );
  section(`(c) queue joins, ${fmt(plan.queue.entrants)} entrants`, ["ops/s", "ceiling", "p50", "p99"]);
  throughputRows(r.joins);
  section(`(d) queue tick → ${fmt(plan.queue.watchers)} waiting`, ["p50", "p95", "p99", "max"]);
  latencyRows([r.queue.all, r.queue.last, r.queue.tick, r.queue.poll]);
  const s = r.storefront;
  section(`(e) POST reservations, ${CONCURRENCY} conn`, ["req/s", "ceiling", "p50", "p99"]);
  const bare = s.http[0]!;
  for (const h of s.http)
    console.log(
      row(h.label, [
        fmt(h.requestsPerSecond),
        pct((h.requestsPerSecond / bare.requestsPerSecond) * 100),
        ms(h.p50).trim(),
        ms(h.p99).trim(),
      ]),
    );
  section(`(f) wire bytes, ${UPDATES_PER_HOUR} updates/h`, ["B each", "each/h", "per hour", "vs push"]);
  const pushHour = s.wire.pushBytesPerUpdate * UPDATES_PER_HOUR + HEARTBEAT_BYTES_PER_HOUR;
  const poll = s.wire.pollRequestBytes + s.wire.pollResponseBytes;
  console.log(row("socket push (Chromium) + heartbeat", [kb(s.wire.pushBytesPerUpdate), String(UPDATES_PER_HOUR), kb(pushHour), "1 ×"]));
  console.log(row("  same frame, TCP bytes (b) read", [kb(r.tcpBytesPerChange.read), "", "", ""]));
  for (const every of [5, 30]) {
    const hour = poll * (3600 / every);
    console.log(row(`poll every ${every} s (req + resp)`, [kb(poll), fmt(3600 / every), kb(hour), `${fmt(hour / pushHour)} ×`]));
  }
  section(`(g) Chromium badge, ${plan.storefront.reservations} holds`, ["p50", "p95", "p99", "max"]);
  latencyRows(s.browser);
  section(`(h) bulk sync, ${fmt(r.bulk[0]?.rows ?? 0)} rows`, ["seconds", "rows/s", "frames", "1 frame"]);
  bulkRows(r.bulk, row);
  const h = s.bulkHttp;
  console.log(row("same rows, one PUT through Next.js", [`${h.seconds.toFixed(2)} s`, fmt(h.rows / h.seconds), "", ""]));
  console.log(line("├", "┴", "┤", "┼"));
  const verdict = `${r.queue.mismatches} of ${plan.queue.watchers} clients${r.queue.mismatches ? " ← MUST BE 0" : ""}`;
  console.log(`  │ ${"derived place ≠ exact place".padEnd(34)} │ ${verdict.padStart(41)} │`);
  console.log(line("└", "─", "┘", "┴"));
}

function bulkRows(runs: BulkRun[], row: (label: string, cells: string[]) => string): void {
  for (const b of runs) {
    console.log(
      row(b.label, [
        `${b.seconds.toFixed(2)} s`,
        fmt(b.rows / b.seconds),
        `${b.frames.mean.toFixed(2)}/SKU`,
        `${((b.frames.exactlyOne / Math.max(1, b.rows / 4)) * 100).toFixed(0)} %`,
      ]),
    );
  }
}

function printBulk(runs: BulkRun[]): void {
  console.log("\n  (h) bulk sync                      seconds     rows/s   frames   1 frame");
  bulkRows(runs, (label, cells) => `  ${label.padEnd(34)} ${cells.map((c) => c.padStart(9)).join(" ")}`);
}

/**
 * Each client holds a socket. Node raises its soft open-file limit to the hard limit at
 * start (and children inherit it), so only a low hard limit can stop the bench.
 */
function checkFileLimit(needed: number): void {
  const soft = Number(spawnSync("sh", ["-c", "ulimit -Sn"], { encoding: "utf8" }).stdout.trim());
  if (Number.isFinite(soft) && soft < needed) {
    throw new Error(
      `The bench needs about ${needed} open files per process; the limit is ${soft}. Raise it (ulimit -Hn / limits.conf) and retry.`,
    );
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
    console.log(
      `Stockwire bench${plan.quick ? " (--quick)" : ""}: Node ${process.version}, ${os.cpus().length} × ${cpu}, Redis on :${redisProcess.port}\n`,
    );

    if (process.argv.includes("--bulk")) {
      printBulk(await benchBulkSync(redis, redisProcess.url, plan.bulk));
      return;
    }
    const propagationOnly = process.argv.includes("--propagation"); // (b) alone
    const throughput = propagationOnly ? [] : await benchReservations(redis, plan);
    await redis.flushall();
    if (process.argv.includes("--engine")) return; // (a) alone, while working on the engine

    console.log(
      `\n(b) latency: ${fmt(plan.clients)} socket.io clients subscribed to one SKU on one gateway, ${plan.changes} changes` +
        (plan.quick ? " (--quick; the full run connects 10,000)" : ""),
    );
    const push: Latency[] = [];
    let first: LatencyRun | undefined;
    const cpuRuns: Results["cpu"] = [];
    for (const coalesceMs of plan.coalesceWindows) {
      const run = await benchLatency(redis, redisProcess.url, plan, coalesceMs);
      push.push(run.push, run.first);
      cpuRuns.push({ label: run.push.label, cpuPerFrame: run.cpuPerFrame });
      first ??= run;
    }
    const polls = [5_000, 30_000].map((every) => pollingLatency(first!.changeTimes, plan.clients, every));
    for (const poll of polls) printLatency(poll, "same change times, random phase per client");
    await redis.flushall();
    if (propagationOnly) return;

    console.log();
    const joins = await benchQueueJoins(redis, plan.queue, plan.quick);
    const queue = await benchQueueLatency(redis, redisProcess.url, plan.queue);

    await redis.flushall();
    console.log();
    const bulk = await benchBulkSync(redis, redisProcess.url, plan.bulk);
    await redis.flushall();

    console.log("\n(e)-(g) the real stack");
    const storefront = await benchStorefront(plan.storefront);

    printSummary(plan, {
      throughput,
      push: [...push, ...polls],
      memory: first!.memory,
      tcpBytesPerChange: first!.tcpBytesPerChange,
      cpu: cpuRuns,
      joins,
      queue,
      storefront,
      bulk,
    });
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
