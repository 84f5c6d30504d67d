// Shared pieces of the chaos suite: a whole stack in a temp dir (real Redis, Postgres,
// `next start`, sidecar), shoppers with their own session cookie and client address, and
// the ledger checks every fault ends with.
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ROOT, startStack, type Stack } from "../../scripts/stack";
import { freePort } from "../../scripts/services";

export interface ChaosStack extends Stack {
  dir: string;
  admin(method: string, pathname: string, body?: unknown): Promise<Response>;
  /** Stop everything and delete the temp dir. */
  close(): Promise<void>;
}

/** Start a throwaway stack; logs go to .data/chaos-logs/<name>/. */
export async function startChaosStack(name: string, env: Record<string, string> = {}): Promise<ChaosStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `stockwire-chaos-${name}-`));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root
  // The stack starts its own Redis and Postgres, and runs the apps in production mode.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !["DATABASE_URL", "REDIS_URL"].includes(key)),
  );
  const baseEnv: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: "production",
    // Load comes from one machine: lift the per-session/per-address hold limits out of the way.
    RESERVE_LIMIT_PER_MINUTE_PER_SESSION: "1000000",
    RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
    REDIS_PREFIX: `chaos${name}:`,
    ...env,
  };
  const [port, realtimePort] = [await freePort(), await freePort()];
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir: dir, port, realtimePort, env: baseEnv, build: "if-stale",
      persistentRedis: true, durablePostgres: false, handleSignals: false,
      logDir: path.join(ROOT, ".data", "chaos-logs", name),
      log: (m) => console.log(`[chaos ${name}] ${m}`),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const token = stack.env.ADMIN_API_TOKEN ?? "";
  return {
    ...stack,
    dir,
    admin: (method, pathname, body) =>
      fetch(`${stack.baseUrl}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async close() {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
export const uniqueSku = (prefix: string) => `${prefix}-${Date.now().toString(36).toUpperCase()}${(counter++).toString(36).toUpperCase()}`;

/** A SKU created through the admin API (writes Postgres and Redis). */
export async function createSku(stack: ChaosStack, prefix: string, onHand: number): Promise<string> {
  const sku = uniqueSku(prefix);
  const res = await stack.admin("PUT", `/api/v1/admin/skus/${sku}`, {
    product: { slug: `chaos-${sku.toLowerCase()}`, name: `Chaos ${sku}` }, priceCents: 1000, onHand,
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
  constructor(private readonly baseUrl: string, index: number) {
    this.address = `10.77.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  }

  async call<T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<Answer<T>> {
    const started = performance.now();
    const headers: Record<string, string> = { "x-forwarded-for": this.address };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const res = await fetch(`${this.baseUrl}${pathname}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000),
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

  hold(sku: string, quantity = 1) {
    return this.call<{ id: string; error?: { code: string } }>("POST", "/api/v1/reservations", { items: [{ sku, quantity }] });
  }
  release(id: string) {
    return this.call("POST", `/api/v1/reservations/${id}/release`);
  }
  checkout(id: string) {
    return this.call<{ orderId?: string; error?: { code: string } }>("POST", `/api/v1/reservations/${id}/checkout`, { email: "chaos@example.com", name: "Chaos" });
  }
  inventory(sku: string) {
    return this.call<{ onHand: number; reserved: number; available: number; version: number }>("GET", `/api/v1/inventory/${sku}`);
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
    return { version, rows, distinct, min: r.min, max: r.max, complete: rows === version && distinct === version && (version === 0 || (r.min === 1 && r.max === version)) };
  } finally {
    await client.end();
  }
}

/** Poll until the ledger holds versions 1..n of every SKU (n = Redis's version); returns the time it took. */
export async function waitForLedger(stack: ChaosStack, skus: string[], timeoutMs: number): Promise<{ ms: number; checks: Record<string, LedgerCheck> }> {
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
