// Shared pieces of the chaos suite: a whole stack in a temp dir (real Redis, Postgres,
// `next start`, sidecar), shoppers with their own session cookie and client address, and
// the ledger checks every fault ends with.
import { mkdtempSync, chmodSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import WebSocket from "ws";
import { ROOT, startInstance, startStack, type Instance, type Stack } from "../../scripts/stack";
import { freePort } from "../../scripts/services";

export interface ChaosStack extends Stack {
  dir: string;
  /** Environment the stack's own web server and sidecar got (for more instances: startChaosInstance). */
  instanceEnv: NodeJS.ProcessEnv;
  /** Where the processes' output goes. */
  logDir: string;
  /** Extra instances started with startChaosInstance (stopped by close()). */
  instances: Instance[];
  admin(method: string, pathname: string, body?: unknown): Promise<Response>;
  /** Stop everything and delete the temp dir. */
  close(): Promise<void>;
}

/** Start a throwaway stack; logs go to .data/chaos-logs/<name>/. */
export async function startChaosStack(name: string, env: Record<string, string> = {}): Promise<ChaosStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `stockwire-chaos-${name}-`));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root
  // The stack starts its own Redis and Postgres, and runs the apps in production mode.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !["DATABASE_URL", "REDIS_URL"].includes(key)));
  const baseEnv: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: "production",
    // Load comes from one machine: lift the per-session/per-address hold limits out of the way.
    RESERVE_LIMIT_PER_MINUTE_PER_SESSION: "1000000",
    RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
    SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
    SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
    REDIS_PREFIX: `chaos${name}:`,
    ...env,
  };
  const [port, realtimePort] = [await freePort(), await freePort()];
  const logDir = path.join(ROOT, ".data", "chaos-logs", name);
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir: dir,
      port,
      realtimePort,
      env: baseEnv,
      build: "if-stale",
      persistentRedis: true,
      durablePostgres: false,
      handleSignals: false,
      logDir,
      log: (m) => console.log(`[chaos ${name}] ${m}`),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const token = stack.env.ADMIN_API_TOKEN ?? "";
  const instances: Instance[] = [];
  return {
    ...stack,
    dir,
    instanceEnv: { ...baseEnv, ...stack.env },
    logDir,
    instances,
    admin: (method, pathname, body) =>
      fetch(`${stack.baseUrl}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async close() {
      await Promise.all(instances.map((i) => i.stop()));
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One more `next start` or sidecar on the chaos stack's Redis and Postgres (same settings as the
 * stack's own), on a free port unless one is given; close() stops it.
 */
export async function startChaosInstance(
  stack: ChaosStack,
  kind: "web" | "sidecar",
  name: string,
  opts: { port?: number; env?: Record<string, string> } = {},
): Promise<Instance> {
  const port = opts.port ?? (await freePort());
  const instance = await startInstance({ kind, port, name, env: { ...stack.instanceEnv, ...opts.env }, logDir: stack.logDir });
  stack.instances.push(instance);
  return instance;
}

/** A plain Redis client on the stack's Redis (for reading its keys; the stack's prefix is `stack.env.REDIS_PREFIX`). */
export function redisOf(stack: ChaosStack): Redis {
  const client = new Redis(stack.env.REDIS_URL!, { lazyConnect: false, maxRetriesPerRequest: 3 });
  client.on("error", () => {});
  return client;
}

let counter = 0;
export const uniqueSku = (prefix: string) => `${prefix}-${Date.now().toString(36).toUpperCase()}${(counter++).toString(36).toUpperCase()}`;

/** A SKU created through the admin API (writes Postgres and Redis). */
export async function createSku(stack: ChaosStack, prefix: string, onHand: number): Promise<string> {
  const sku = uniqueSku(prefix);
  const res = await stack.admin("PUT", `/api/v1/admin/skus/${sku}`, {
    product: { slug: `chaos-${sku.toLowerCase()}`, name: `Chaos ${sku}` },
    priceCents: 1000,
    onHand,
  });
  if (res.status !== 201) throw new Error(`creating ${sku}: ${res.status} ${await res.text()}`);
  return sku;
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  ms: number;
}

/** One shopper: its own session cookie and its own client address. */
export class Shopper {
  private cookie = "";
  private readonly address: string;
  /** How long a request may take before it counts as unanswered (status 0). */
  timeoutMs = 15_000;
  constructor(
    private readonly baseUrl: string,
    index: number,
  ) {
    this.address = `10.77.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`;
  }

  /** The shopper's session id (the sw_sid cookie without its signature), once the server has issued one. */
  get sessionId(): string | null {
    return this.cookie ? this.cookie.slice("sw_sid=".length).split(".")[0]! : null;
  }

  /**
   * One request. `opts.baseUrl` sends it to another instance with the same session cookie and
   * address; `opts.headers` adds headers (e.g. Idempotency-Key).
   */
  async call<T = Record<string, unknown>>(
    method: string,
    pathname: string,
    body?: unknown,
    opts: { baseUrl?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Answer<T>> {
    const started = performance.now();
    const headers: Record<string, string> = { "x-forwarded-for": this.address, ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const res = await fetch(`${opts.baseUrl ?? this.baseUrl}${pathname}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs),
      });
      const set = res.headers.getSetCookie().find((c) => c.startsWith("sw_sid="));
      if (set) this.cookie = set.split(";")[0]!;
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed as T, ms: performance.now() - started };
    } catch (err) {
      return { status: 0, body: { error: String(err) } as T, ms: performance.now() - started };
    }
  }

  /** A multi-line reservation with an Idempotency-Key (at `baseUrl`, default the shopper's instance). */
  reserve(items: { sku: string; quantity: number }[], idempotencyKey: string, baseUrl?: string) {
    return this.call<{ id: string; expiresAt: string; items: { sku: string; quantity: number }[]; error?: { code: string } }>(
      "POST",
      "/api/v1/reservations",
      { items },
      { baseUrl, headers: { "idempotency-key": idempotencyKey } },
    );
  }
  hold(sku: string, quantity = 1) {
    return this.call<{ id: string; error?: { code: string } }>("POST", "/api/v1/reservations", { items: [{ sku, quantity }] });
  }
  release(id: string) {
    return this.call("POST", `/api/v1/reservations/${id}/release`);
  }
  checkout(id: string) {
    return this.call<{ orderId?: string; error?: { code: string } }>("POST", `/api/v1/reservations/${id}/checkout`, {
      email: "chaos@example.com",
      name: "Chaos",
    });
  }
  inventory(sku: string) {
    return this.call<{ sku: string; onHand: number; reserved: number; safety: number; available: number; version: number }>(
      "GET",
      `/api/v1/inventory/${sku}`,
    );
  }
}

/** Tally of answers by "status" (0 = no answer). */
export class Tally {
  readonly counts = new Map<string, number>();
  add(what: string, status: number) {
    const key = `${what} ${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  failures(what: string): number {
    let n = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${what} `) && !/ 2\d\d$/.test(key)) n += count;
    return n;
  }
  total(what: string): number {
    let n = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${what} `)) n += count;
    return n;
  }
  toString() {
    return [...this.counts].map(([k, v]) => `${k}: ${v}`).join(", ");
  }
}

export interface LedgerCheck {
  /** Redis's version of the SKU. */
  version: number;
  rows: number;
  distinct: number;
  min: number | null;
  max: number | null;
  /** true when the ledger holds exactly versions 1..version, once each. */
  complete: boolean;
}

export async function ledgerOf(databaseUrl: string, sku: string, version: number): Promise<LedgerCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query<{ rows: string; distinct: string; min: number | null; max: number | null }>(
      `SELECT count(*) AS rows, count(DISTINCT version) AS distinct, min(version) AS min, max(version) AS max FROM "InventoryEvent" WHERE sku = $1`,
      [sku],
    );
    const r = res.rows[0]!;
    const rows = Number(r.rows);
    const distinct = Number(r.distinct);
    return {
      version,
      rows,
      distinct,
      min: r.min,
      max: r.max,
      complete: rows === version && distinct === version && (version === 0 || (r.min === 1 && r.max === version)),
    };
  } finally {
    await client.end();
  }
}

/** Poll until the ledger holds versions 1..n of every SKU (n = Redis's version); returns the time it took. */
export async function waitForLedger(
  stack: ChaosStack,
  skus: string[],
  timeoutMs: number,
): Promise<{ ms: number; checks: Record<string, LedgerCheck> }> {
  const started = Date.now();
  const probe = new Shopper(stack.baseUrl, 249);
  for (;;) {
    const checks: Record<string, LedgerCheck> = {};
    for (const sku of skus) {
      const level = await probe.inventory(sku);
      checks[sku] = await ledgerOf(stack.env.DATABASE_URL!, sku, level.body.version);
    }
    if (Object.values(checks).every((c) => c.complete) || Date.now() - started > timeoutMs) {
      return { ms: Date.now() - started, checks };
    }
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Measured figures, printed at the end of each test so a run's log carries them. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[chaos result] ${name} ${JSON.stringify(figures)}`);
}

// ---------------------------------------------------------------------------------------------
// Processes and memory (Linux: read from /proc).

function procStat(pid: number): { ppid: number; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command may contain spaces and parentheses: fields start after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Every live process of the process group led by `leader` (a web server or sidecar: its launcher and its node children). */
export function groupPids(leader: number): number[] {
  return allPids().filter((pid) => procStat(pid)?.pgrp === leader);
}

/** `root` and all its descendants (Postgres: the postmaster and its backends). */
export function treePids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const st = procStat(pid);
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (!procStat(pid)) continue;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function isAlive(pid: number): boolean {
  const st = procStat(pid);
  if (!st) return false;
  try {
    // A zombie (killed, not yet reaped) holds no memory and runs nothing.
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export interface Memory {
  /** Sum of VmRSS over the processes, bytes. */
  rss: number;
  /** Sum of RssShmem (shared memory mapped, e.g. Postgres's shared buffers, counted once per process that touched it). */
  shmem: number;
  /** rss − shmem: memory the processes hold privately (plus mapped files). */
  own: number;
  processes: number;
}

/** Memory of a set of processes from /proc/<pid>/status (processes that vanished are skipped). */
export function memoryOf(pids: number[]): Memory {
  let rss = 0;
  let shmem = 0;
  let processes = 0;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      continue;
    }
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    rss += kb("VmRSS");
    shmem += kb("RssShmem");
    processes++;
  }
  return { rss, shmem, own: rss - shmem, processes };
}

/** Least-squares line through (x, y): slope per unit of x and the intercept. */
export function linearFit(points: { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.y ?? 0 };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  const slope = den === 0 ? 0 : num / den;
  return { slope, intercept: my - slope * mx };
}

// ---------------------------------------------------------------------------------------------
// Redis against the ledger.

export interface ReconcileReport {
  skus: number;
  drifted: number;
  drifts: { sku: string; field: string; redis: number | null; expected: number }[];
}

/** Run a reconciliation pass through the admin API (report only, no repair). */
export async function reconcileNow(stack: ChaosStack): Promise<ReconcileReport> {
  const res = await stack.admin("POST", "/api/v1/admin/reconciliation", { repair: false });
  const body = (await res.json()) as ReconcileReport;
  if (res.status !== 201) throw new Error(`reconciliation: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export interface LevelCheck {
  sku: string;
  redis: { onHand: number; reserved: number; available: number; version: number };
  ledger: { onHand: number; reserved: number; available: number; version: number } | null;
  /** Units held in the SKU's holds hash (reservation → units). */
  holds: number;
  matches: boolean;
}

/**
 * For each SKU: Redis's counters (read in one transaction with the holds hash) against the
 * ledger's last event. `matches` when the last event has Redis's version and the same
 * onHand/reserved/available, and reserved equals the units in the holds hash.
 */
export async function levelsAgainstLedger(stack: ChaosStack, redis: Redis, skus: string[]): Promise<LevelCheck[]> {
  const prefix = stack.env.REDIS_PREFIX ?? "sw:";
  const db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  try {
    const out: LevelCheck[] = [];
    for (const sku of skus) {
      const replies = await redis
        .multi()
        .hmget(`${prefix}stock:{${sku}}`, "onHand", "reserved", "safety", "version")
        .hvals(`${prefix}stock:{${sku}}:holds`)
        .exec();
      const [onHand, reserved, safety, version] = (replies![0]![1] as string[]).map(Number) as [number, number, number, number];
      const holds = (replies![1]![1] as string[]).reduce((n, q) => n + Number(q), 0);
      const r = await db.query<{ onHand: number; reserved: number; available: number; version: number }>(
        `SELECT "onHand", reserved, available, version FROM "InventoryEvent" WHERE sku = $1 ORDER BY version DESC LIMIT 1`,
        [sku],
      );
      const ledger = r.rows[0] ?? null;
      const available = onHand - reserved - safety;
      const redisLevel = { onHand, reserved, available, version };
      out.push({
        sku,
        redis: redisLevel,
        ledger,
        holds,
        matches:
          ledger !== null &&
          holds === reserved &&
          ledger.version === version &&
          ledger.onHand === onHand &&
          ledger.reserved === reserved &&
          ledger.available === available,
      });
    }
    return out;
  } finally {
    await db.end();
  }
}

/** Run `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A SKU with a given safety stock, created through the admin API. */
export async function createSkuWith(stack: ChaosStack, prefix: string, onHand: number, safety: number): Promise<string> {
  const sku = uniqueSku(prefix);
  const res = await stack.admin("PUT", `/api/v1/admin/skus/${sku}`, {
    product: { slug: `chaos-${sku.toLowerCase()}`, name: `Chaos ${sku}` },
    priceCents: 1000,
    onHand,
    safety,
  });
  if (res.status !== 201) throw new Error(`creating ${sku}: ${res.status} ${await res.text()}`);
  return sku;
}

// ---------------------------------------------------------------------------------------------
// Retained memory of a Node process: the V8 inspector, opened by SIGUSR1, forces a full garbage
// collection and reads process.memoryUsage(). Resident memory alone cannot tell a leak from a
// heap V8 has simply not collected yet (it grows old space lazily, by tens of MiB). The stack
// must run with NODE_OPTIONS=--inspect-port=127.0.0.1:0, which opens nothing until the signal.

/** The node processes of a group that have no child in it (for a sidecar: node under tsx). */
export function leafNodePids(leader: number): number[] {
  const group = groupPids(leader);
  // By executable, not command line: Next.js renames its process ("next-server (v16…)").
  const isNode = (pid: number) => {
    try {
      return path.basename(readlinkSync(`/proc/${pid}/exe`)).startsWith("node");
    } catch {
      return false;
    }
  };
  // Leaves among the node processes only: a short-lived child of the node process (a tool it runs,
  // a transform service) must not make it look like a parent and leave no leaf at all.
  const nodes = group.filter((pid) => isAlive(pid) && isNode(pid));
  const parents = new Set(nodes.map((pid) => procStat(pid)?.ppid));
  return nodes.filter((pid) => !parents.has(pid));
}

/** TCP ports `pid` listens on (IPv4 and IPv6), matched through its socket inodes. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const file of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${file}`, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

interface InspectorSession {
  send(method: string, params?: object): Promise<{ result?: { result?: { value?: unknown } }; error?: unknown }>;
  close(): void;
}
const inspectors = new Map<number, Promise<InspectorSession>>();

async function openInspector(pid: number): Promise<InspectorSession> {
  const before = new Set(listeningPorts(pid));
  process.kill(pid, "SIGUSR1");
  let url: string | undefined;
  for (let i = 0; i < 50 && !url; i++) {
    await sleep(100);
    for (const port of listeningPorts(pid).filter((p) => !before.has(p))) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
        url = list[0]?.webSocketDebuggerUrl;
      } catch {
        // not the inspector (or not ready yet)
      }
    }
  }
  if (!url) throw new Error(`no inspector opened in process ${pid} (is NODE_OPTIONS=--inspect-port=127.0.0.1:0 set?)`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let id = 0;
  const pending = new Map<number, (v: never) => void>();
  ws.on("message", (m) => {
    const d = JSON.parse(String(m)) as { id?: number };
    if (d.id !== undefined) pending.get(d.id)?.(d as never);
    if (d.id !== undefined) pending.delete(d.id);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const n = ++id;
        pending.set(n, resolve);
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** process.memoryUsage() of a Node process right after two full garbage collections. */
export async function memoryAfterGc(pid: number): Promise<NodeJS.MemoryUsage> {
  let session = inspectors.get(pid);
  if (!session) inspectors.set(pid, (session = openInspector(pid)));
  const s = await session;
  await s.send("HeapProfiler.collectGarbage");
  await s.send("HeapProfiler.collectGarbage");
  const r = await s.send("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())" });
  const value = r.result?.result?.value;
  if (typeof value !== "string") throw new Error(`memoryUsage of ${pid}: ${JSON.stringify(r)}`);
  return JSON.parse(value) as NodeJS.MemoryUsage;
}

/** Close the inspector connections memoryAfterGc opened. */
export async function closeInspectors(): Promise<void> {
  for (const session of inspectors.values()) (await session.catch(() => null))?.close();
  inspectors.clear();
}
