// Scale-out with real processes: two `next start` and two sidecars (`tsx server/index.ts`) on
// one Redis and one Postgres, all started here. A change made through either storefront reaches
// sockets on either sidecar; the ledger gets every event exactly once and the flash-sale line is
// admitted in join order with two admitters competing; after `kill -9` of one sidecar its
// sockets move to the other, which takes over hold expiry and the ledger copy.
// Run with `npm run test:scale` (Linux: the crash finds the sidecar's processes through /proc).
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockFrame, type ClientToServerEvents, type ServerToClientEvents } from "../../lib/shared/protocol";
import type { Availability } from "../../lib/shared/types";
import { ROOT, startInstance, startStack, type Instance, type Stack } from "../../scripts/stack";

type ShopperSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const HOLD_TTL_SECONDS = 5;
const LOG_DIR = path.join(ROOT, ".data", "scale-logs");

let stack: Stack;
let dataDir: string;
let webB: Instance | undefined;
let sidecarB: Instance | undefined;
let db: pg.Client;
/** Storefronts and sidecars by name: A is the one startStack runs, B the one started here. */
const app = { A: "", B: "" };
const rt = { A: "", B: "" };
let origin = "";
const sockets: ShopperSocket[] = [];

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer());
  return Promise.all(
    servers.map((s) => new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port)))),
  ).then(async (ports) => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One shopper: their own session cookie and client address (the load balancer's X-Forwarded-For). */
class Shopper {
  private cookie = "";
  private static next = 1;
  readonly address = `10.9.${Math.floor(Shopper.next / 250)}.${(Shopper.next++ % 250) + 1}`;

  async call<T = Record<string, unknown>>(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        "x-forwarded-for": this.address,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith("sw_sid="));
    if (session) this.cookie = session.split(";")[0] ?? "";
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, text };
  }
}

const admin = new Shopper();
const adminHeaders = () => ({ authorization: `Bearer ${stack.env.ADMIN_API_TOKEN ?? ""}` });

async function createSku(onHand: number): Promise<string> {
  const id = unique();
  const sku = `SCALE-${id}`;
  const res = await admin.call(
    app.A,
    "PUT",
    `/api/v1/admin/skus/${sku}`,
    {
      product: { slug: `scale-${id.toLowerCase()}`, name: `Scale test ${id}` },
      label: "One size",
      priceCents: 1000,
      onHand,
    },
    adminHeaders(),
  );
  expect(res.status, res.text).toBeLessThan(300);
  return sku;
}

async function inventory(sku: string): Promise<Availability & { onHand: number; reserved: number }> {
  const res = await admin.call<Availability & { onHand: number; reserved: number }>(app.B, "GET", `/api/v1/inventory/${sku}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function reserve(shopper: Shopper, base: string, sku: string, quantity: number): Promise<string> {
  const res = await shopper.call<{ id: string }>(
    base,
    "POST",
    "/api/v1/reservations",
    { items: [{ sku, quantity }] },
    { "idempotency-key": `k-${unique()}` },
  );
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** A socket on one sidecar, subscribed to `sku`, keeping every stock frame it receives. */
async function watch(url: string, sku: string): Promise<{ socket: ShopperSocket; frames: Availability[] }> {
  const socket: ShopperSocket = connect(url, { transports: ["websocket"], extraHeaders: { origin }, reconnection: false, forceNew: true });
  sockets.push(socket);
  const frames: Availability[] = [];
  socket.on("stock", (...args) => frames.push(stockFrame(...args)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const ack = await socket.timeout(5_000).emitWithAck("subscribe", { skus: [sku] });
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error.message}`);
  return { socket, frames };
}

/** The ledger rows of a SKU once Postgres has caught up with Redis: versions must be exactly 1..n. */
async function ledgerCaughtUp(sku: string, timeoutMs = 10_000): Promise<{ version: number; type: string }[]> {
  return until(
    `the ledger of ${sku} to catch up`,
    async () => {
      const { version } = await inventory(sku);
      const { rows } = await db.query<{ version: number; type: string }>(
        `SELECT version, type FROM "InventoryEvent" WHERE sku = $1 ORDER BY version`,
        [sku],
      );
      return rows.length === version && rows.at(-1)?.version === version ? rows : undefined;
    },
    timeoutMs,
  );
}

/** Processes of the sidecar listening on `port` (the tsx launcher and its node child), from /proc. */
function sidecarPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmd.includes("server/index.ts")) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`REALTIME_PORT=${port}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

beforeAll(async () => {
  const [webPortA, rtPortA, webPortB, rtPortB] = (await freePorts(4)) as [number, number, number, number];
  app.A = `http://localhost:${webPortA}`;
  app.B = `http://localhost:${webPortB}`;
  rt.A = `http://localhost:${rtPortA}`;
  rt.B = `http://localhost:${rtPortB}`;
  origin = app.A;
  dataDir = mkdtempSync(path.join(os.tmpdir(), "stockwire-scale-"));
  chmodSync(dataDir, 0o755); // Postgres runs as its own user when we are root: it must reach its folder.

  // Always a stack of our own: never DATABASE_URL / REDIS_URL from the caller's environment.
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    STOREFRONT_ORIGIN: [webPortA, webPortB].flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]).join(","),
    HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    QUEUE_TICK_MS: "100",
    REALTIME_COALESCE_MS: "0",
    QUEUE_JOIN_LIMIT_PER_MINUTE: "100000",
    RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: "100000",
  };
  stack = await startStack({
    dataDir,
    port: webPortA,
    realtimePort: rtPortA,
    env,
    build: "if-stale",
    seed: false,
    persistentRedis: false,
    durablePostgres: false,
    handleSignals: false,
    logDir: LOG_DIR,
    log: (msg) => console.log(`[scale stack] ${msg}`),
  });
  const shared = { ...env, ...stack.env };
  [webB, sidecarB] = await Promise.all([
    startInstance({ kind: "web", name: "web-b", port: webPortB, env: shared, logDir: LOG_DIR }),
    startInstance({ kind: "sidecar", name: "sidecar-b", port: rtPortB, env: shared, logDir: LOG_DIR }),
  ]);
  db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
}, 600_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await db?.end().catch(() => {});
  await Promise.all([webB?.stop(), sidecarB?.stop()]);
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("two storefronts, two sidecars, one Redis, one Postgres", () => {
  it("a hold through storefront A reaches a socket on sidecar B, and B's through A", async () => {
    const sku = await createSku(20);
    const onB = await watch(rt.B, sku);
    const onA = await watch(rt.A, sku);

    await reserve(new Shopper(), app.A, sku, 3);
    await until("sidecar B to push available 17", () => onB.frames.some((f) => f.sku === sku && f.available === 17));

    await reserve(new Shopper(), app.B, sku, 2);
    await until("sidecar A to push available 15", () => onA.frames.some((f) => f.sku === sku && f.available === 15));
    // Both sockets see the same sequence: versions only move forward.
    for (const { frames } of [onA, onB]) {
      const versions = frames.filter((f) => f.sku === sku).map((f) => f.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    }
  });

  it("every event reaches the ledger exactly once, with changes through both storefronts", async () => {
    const sku = await createSku(100);
    const shoppers = Array.from({ length: 8 }, () => new Shopper());
    // Concurrent holds and releases through both storefronts, plus admin adjustments.
    await Promise.all(
      shoppers.map(async (shopper, i) => {
        const base = i % 2 ? app.A : app.B;
        const id = await reserve(shopper, base, sku, 1 + (i % 3));
        if (i % 3 === 0) {
          const res = await shopper.call(i % 4 ? app.B : app.A, "POST", `/api/v1/reservations/${id}/release`);
          expect(res.status, res.text).toBe(200);
        }
      }),
    );
    for (const base of [app.A, app.B]) {
      const res = await admin.call(base, "POST", `/api/v1/admin/inventory/${sku}/adjust`, { delta: 5, reason: "received" }, adminHeaders());
      expect(res.status, res.text).toBeLessThan(300);
    }
    const rows = await ledgerCaughtUp(sku);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.filter((r) => r.type === "hold")).toHaveLength(8);
    expect(rows.filter((r) => r.type === "release")).toHaveLength(3);
  });

  it("the flash-sale line is admitted in join order, once each, with both admitters running", async () => {
    const sku = await createSku(50);
    const saleId = `scale-${unique().toLowerCase()}`;
    const created = await admin.call(
      app.A,
      "POST",
      "/api/v1/admin/sales",
      {
        id: saleId,
        name: `Scale drop ${saleId}`,
        startsAt: new Date(Date.now() - 1_000).toISOString(),
        admissionRate: 4,
        perShopperLimit: 1,
        admissionWindowSeconds: 60,
        skus: [sku],
      },
      adminHeaders(),
    );
    expect(created.status, created.text).toBe(201);
    // Joins before the admitter's first tick go to the pre-queue and are shuffled at the start (by
    // design); this test is about first come, first served, so it joins once the line is live.
    await until("the sale to go live", async () => {
      const res = await admin.call<{ counters: { status: string } }>(app.B, "GET", `/api/v1/sales/${saleId}`);
      return res.status === 200 && res.body.counters.status === "live";
    });

    const N = 12;
    const line: { shopper: Shopper; base: string; ticket: string; seq: number }[] = [];
    for (let i = 0; i < N; i++) {
      const shopper = new Shopper();
      const base = i % 2 ? app.B : app.A;
      const res = await shopper.call<{ ticket: string; seq: number }>(base, "POST", `/api/v1/sales/${saleId}/queue`);
      expect(res.status, res.text).toBe(201);
      line.push({ shopper, base, ticket: res.body.ticket, seq: res.body.seq });
    }
    // Joined one after another, alternating storefronts: the line is the join order, with no gaps.
    expect(line.map((t) => t.seq)).toEqual(line.map((_, i) => line[0]!.seq + i));
    expect(line[0]!.seq).toBeGreaterThan(0);

    type Status = { admitted: boolean; expiresAt?: string; sale: { admitted: number } };
    const status = async (t: (typeof line)[number]) => {
      // Ask the other storefront than the one joined through: the ticket is the session's, not the instance's.
      const res = await t.shopper.call<Status>(t.base === app.A ? app.B : app.A, "GET", `/api/v1/sales/${saleId}/queue/${t.ticket}`);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const deadlines = new Map<string, string>();
    await until(
      "the whole line to be admitted",
      async () => {
        // Back of the line first: once someone is admitted, everyone ahead of them (asked later) must be too.
        let someoneBehindAdmitted = false;
        for (const t of [...line].reverse()) {
          const s = await status(t);
          if (someoneBehindAdmitted) expect(s.admitted, `ticket ${t.seq} passed over`).toBe(true);
          if (s.admitted) {
            someoneBehindAdmitted = true;
            const seen = deadlines.get(t.ticket);
            if (seen) expect(s.expiresAt, "a ticket admitted twice").toBe(seen);
            deadlines.set(t.ticket, s.expiresAt ?? "");
          }
        }
        return deadlines.size === N;
      },
      20_000,
    );
    const ordered = line.map((t) => Date.parse(deadlines.get(t.ticket) ?? ""));
    expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
    // At 4 per second the line went in over several ticks (turn deadlines spread), not one burst.
    expect(ordered.at(-1)! - ordered[0]!).toBeGreaterThanOrEqual(1_000);
    expect((await status(line[0]!)).sale.admitted).toBe(N);
  });

  it("after kill -9 of sidecar A its sockets move to B, which takes over expiry and the ledger copy", async () => {
    const sku = await createSku(10);
    const onA = await watch(rt.A, sku);
    const pids = sidecarPids(Number(new URL(rt.A).port));
    expect(pids.length).toBeGreaterThan(0);

    const holdId = await reserve(new Shopper(), app.A, sku, 4); // expires after HOLD_TTL_SECONDS, with A gone
    await until("sidecar A to push available 6", () => onA.frames.some((f) => f.available === 6));
    const killedAt = Date.now();
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await until("the socket on A to notice", () => onA.socket.disconnected);

    // The client's failover: the next sidecar URL it knows.
    const moved = await watch(rt.B, sku);
    const other = new Shopper();
    const otherHold = await reserve(other, app.B, sku, 1);
    await until("sidecar B to push available 5", () => moved.frames.some((f) => f.available === 5));
    expect((await other.call(app.A, "POST", `/api/v1/reservations/${otherHold}/release`)).status).toBe(200);
    await until("sidecar B to push available 6", () => moved.frames.some((f) => f.available === 6));

    await until(
      "B to expire the hold placed before the crash",
      () => moved.frames.some((f) => f.available === 10),
      HOLD_TTL_SECONDS * 1000 + 8_000,
    );
    const expiredAfter = Date.now() - killedAt;
    expect(expiredAfter).toBeLessThan(HOLD_TTL_SECONDS * 1000 + 6_000);

    const rows = await ledgerCaughtUp(sku, 15_000);
    expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
    // After the SKU's creation: the hold before the crash, the other's hold and release, and B's expiry.
    expect(rows.slice(1).map((r) => r.type)).toEqual(["hold", "hold", "release", "expire"]);
    const {
      rows: [expired],
    } = await db.query<{ reservationId: string }>(`SELECT "reservationId" FROM "InventoryEvent" WHERE sku = $1 AND type = 'expire'`, [sku]);
    expect(expired?.reservationId).toBe(holdId);

    // The storefronts keep working with one sidecar: a further change still reaches the ledger.
    await reserve(new Shopper(), app.A, sku, 1);
    await until("sidecar B to push available 9", () => moved.frames.some((f) => f.available === 9));
    await ledgerCaughtUp(sku, 10_000);
  });
});
