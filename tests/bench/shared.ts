// What the bench's parts share: Redis-only dependencies, the gateway child process, the
// throughput loop and the latency summaries. tests/bench/index.ts runs the parts.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import type { Socket as ClientSocket } from "socket.io-client";
import type { Deps } from "../../lib/core/deps";
import type { Db } from "../../lib/core/db";
import { redisKeys } from "../../lib/core/keys";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/shared/protocol";

export const ORIGIN = "http://bench.stockwire.test";
export const POLL_INTERVAL_MS = 5_000;
export const CONCURRENCY = 64;

// Every path benchmarked here is Redis-only; a Postgres call would be a bug in the bench's premise.
const noPostgres = new Proxy(
  {},
  {
    get() {
      throw new Error("the benchmarked paths must not touch Postgres");
    },
  },
) as Db;

export function benchDeps(redis: Redis, prefix: string): Deps {
  return { redis, db: noPostgres, keys: redisKeys(prefix), holdTtlSeconds: 600 };
}

export type BenchClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between the bench's processes. */
export const clock = () => performance.timeOrigin + performance.now();
export const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
export const ms = (n: number) => `${n.toFixed(n < 100 ? 1 : 0)} ms`.padStart(9);

// ---------------------------------------------------------------------------------------------
// Throughput

export interface Throughput {
  label: string;
  opsPerSecond: number;
  completed: number;
  failed: number;
  redisCommandsPerOp: number;
  /** Share of one core Redis used during the run: near 100 % means Redis is the bottleneck. */
  redisCpuPercent: number;
  /** Time of one operation from call to answer, with `CONCURRENCY` in flight (so it includes queueing). */
  latency: Latency;
}

async function redisCounters(redis: Redis): Promise<{ commands: number; cpuSeconds: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return { commands: field("total_commands_processed"), cpuSeconds: field("used_cpu_user") + field("used_cpu_sys") };
}

/**
 * Keep `CONCURRENCY` operations in flight until `until` says stop (a deadline or an operation
 * count); count what completed and time each one.
 */
export async function saturate(
  label: string,
  redis: Redis,
  until: { durationMs: number } | { operations: number },
  operation: (n: number) => Promise<unknown>,
  warmUp: (n: number) => Promise<unknown> = operation,
): Promise<Throughput> {
  // Warm-up: script caches, connection, JIT.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => warmUp(i)));
  let completed = 0;
  let failed = 0;
  let n = 0;
  const times: number[] = [];
  const before = await redisCounters(redis);
  const started = performance.now();
  const more = "durationMs" in until ? () => performance.now() < started + until.durationMs : () => n < until.operations;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (more()) {
        const t0 = performance.now();
        try {
          await operation(n++);
          completed++;
        } catch {
          failed++;
        }
        times.push(performance.now() - t0);
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
    latency: summarize(label, times, completed + failed),
  };
}

export function printThroughput(r: Throughput): void {
  console.log(
    `    ${r.label.padEnd(30)} ${fmt(r.opsPerSecond).padStart(8)} /s  p50 ${ms(r.latency.p50)}  p99 ${ms(r.latency.p99)}  ` +
      `(${r.completed} ok, ${r.failed} failed, ${r.redisCommandsPerOp.toFixed(1)} Redis commands each counting those inside Lua; ` +
      `Redis at ${r.redisCpuPercent.toFixed(0)} % of a core)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Latency

export interface Latency {
  label: string;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
  expected: number;
}

export function summarize(label: string, samples: number[], expected: number): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN);
  return {
    label,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    samples: samples.length,
    expected,
  };
}

/** What a client polling every `intervalMs` would see: wait until its next poll, each client with a random phase. */
export function pollingLatency(changeTimes: number[], clients: number, intervalMs = POLL_INTERVAL_MS): Latency {
  const waits: number[] = [];
  for (let c = 0; c < clients; c++) {
    const phase = Math.random() * intervalMs;
    for (const t of changeTimes) waits.push((((phase - t) % intervalMs) + intervalMs) % intervalMs);
  }
  return summarize(`poll every ${intervalMs / 1000} s`, waits, changeTimes.length * clients);
}

export function printLatency(l: Latency, note: string): void {
  console.log(`    ${l.label.padEnd(30)} p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  (${note})`);
}

// ---------------------------------------------------------------------------------------------
// The gateway, in a child process as the sidecar would run it (tests/bench/gateway-child.ts)

/** One admission tick the child ran; `at` is just before its frame was broadcast. */
export interface TickReport {
  tick: number;
  changed: boolean;
  at: number;
  /** How long admitTick took (reading the sale's stock, then the Lua step). */
  tickMs: number;
  admittedNow: number;
  departed: number;
  waiting: number;
}

/** The gateway process's memory after a full garbage collection, in bytes. */
export interface MemoryReport {
  rss: number;
  heapUsed: number;
  /** Buffers outside the V8 heap (socket buffers among them). */
  external: number;
}

export type ChildRequest = { type: "tick"; saleId: string } | { type: "memory" } | { type: "cpu" } | { type: "stop" };
export type ChildReply =
  | { type: "ready"; port: number }
  | { type: "ticked"; report: TickReport | null }
  | { type: "memory"; report: MemoryReport }
  | { type: "cpu"; micros: number };

/** CPU time this process has used so far (user + system), in microseconds. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

export interface GatewayChild {
  port: number;
  /** Run one admission tick in the gateway's process and broadcast its frame there, as the admitter does. */
  tick(saleId: string): Promise<TickReport | null>;
  /** The child's memory after a full GC (it runs with --expose-gc). */
  memory(): Promise<MemoryReport>;
  /** CPU time the child has used so far, in microseconds. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

export async function startGatewayChild(redisUrl: string, prefix: string, coalesceMs: number): Promise<GatewayChild> {
  const entry = fileURLToPath(new URL("./gateway-child.ts", import.meta.url));
  // Every bench client comes from this one machine: lift the per-address socket limits out of the way.
  const env = {
    ...process.env,
    SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
    SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
  };
  const child = fork(entry, [redisUrl, prefix, String(coalesceMs)], {
    stdio: "inherit",
    env,
    execArgv: [...process.execArgv, "--expose-gc"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const reply = <T extends ChildReply["type"]>(type: T) =>
    new Promise<Extract<ChildReply, { type: T }>>((resolve, reject) => {
      const onMessage = (m: ChildReply) => {
        if (m.type !== type) return;
        child.off("message", onMessage);
        resolve(m as Extract<ChildReply, { type: T }>);
      };
      child.on("message", onMessage);
      void exited.then((code) => reject(new Error(`gateway child exited with ${code}`)));
    });
  const send = (m: ChildRequest) => child.send(m);
  const { port } = await reply("ready");
  return {
    port,
    async tick(saleId) {
      const answer = reply("ticked");
      send({ type: "tick", saleId });
      return (await answer).report;
    },
    async memory() {
      const answer = reply("memory");
      send({ type: "memory" });
      return (await answer).report;
    },
    async cpu() {
      const answer = reply("cpu");
      send({ type: "cpu" });
      return (await answer).micros;
    },
    async stop() {
      send({ type: "stop" });
      await exited;
    },
  };
}

export type ThinChildRequest = { type: "record" } | { type: "report" } | { type: "stop" };
export type ThinChildReply =
  | { type: "ready" }
  | { type: "recording"; bytes: { read: number; written: number }; cpuMicros: number }
  | { type: "report"; frames: number[][]; bytes: { read: number; written: number }; cpuMicros: number };

export interface ThinClients {
  /** Start keeping frames; TCP bytes of one client so far, CPU time of all children so far (µs). */
  record(): Promise<{ bytes: { read: number; written: number }; cpuMicros: number }>;
  /** Every client's [version, receipt time, …] pairs since record(), one client's TCP bytes, all children's CPU time. */
  report(): Promise<{ frames: number[][]; bytes: { read: number; written: number }; cpuMicros: number }>;
  stop(): Promise<void>;
}

/** `count` wire-level socket.io clients subscribed to `sku`, split over `processes` child processes. */
export async function startThinClients(url: string, sku: string, count: number, processes: number): Promise<ThinClients> {
  const entry = fileURLToPath(new URL("./thin-clients-child.ts", import.meta.url));
  const per = Math.ceil(count / processes);
  const children = Array.from({ length: processes }, (_, i) =>
    fork(entry, [url, ORIGIN, sku, String(Math.max(0, Math.min(per, count - i * per)))], { stdio: "inherit", execArgv: process.execArgv }),
  );
  const ask = <T extends ThinChildReply["type"]>(child: (typeof children)[number], type: T, request?: ThinChildRequest) =>
    new Promise<Extract<ThinChildReply, { type: T }>>((resolve, reject) => {
      const onMessage = (m: ThinChildReply) => {
        if (m.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m as Extract<ThinChildReply, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`thin-client child exited with ${code}`));
      child.on("message", onMessage);
      child.once("exit", onExit);
      if (request) child.send(request);
    });
  await Promise.all(children.map((c) => ask(c, "ready")));
  return {
    async record() {
      const replies = await Promise.all(children.map((c) => ask(c, "recording", { type: "record" })));
      return { bytes: replies[0]!.bytes, cpuMicros: replies.reduce((sum, r) => sum + r.cpuMicros, 0) };
    },
    async report() {
      const replies = await Promise.all(children.map((c) => ask(c, "report", { type: "report" })));
      return {
        frames: replies.flatMap((r) => r.frames),
        bytes: replies[0]!.bytes,
        cpuMicros: replies.reduce((sum, r) => sum + r.cpuMicros, 0),
      };
    },
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once("exit", () => resolve());
              c.send({ type: "stop" } satisfies ThinChildRequest);
            }),
        ),
      );
    },
  };
}
