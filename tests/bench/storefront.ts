// (e), (f), (g): the real stack (scripts/stack.ts: Postgres, Redis, `next start`, the sidecar)
// in a temporary folder, built first if the build is stale.
//   (e) POST /api/v1/reservations through Next.js with autocannon, next to a bare node:http
//       server calling the same lib/ functions (tests/bench/bare-http-child.ts);
//   (f) bytes on the wire: a socket.io stock frame as Chromium received it, next to one poll of
//       GET /api/v1/inventory/:sku as Chromium sent and received it (Playwright's request sizes);
//   (g) a real Chromium on a product page: reservation call → the badge's data-available.
// Reservation rate limits are raised to 1,000,000 a minute in this stack's environment: the
// bench places tens of thousands of holds from one session and one address a minute, and
// measures the engine, not the limiter's refusals (the limiter still runs on every request).
import { fork } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";
import autocannon from "autocannon";
import { adjustStock, setStock } from "../../lib/stock";
import { createRedis } from "../../lib/core/redis";
import { newSessionId } from "../../lib/auth/session-id";
import { startStack, type Stack } from "../../scripts/stack";
import { benchDeps, clock, CONCURRENCY, fmt, ms, pollingLatency, printLatency, sleep, summarize, type Latency } from "./shared";

export interface StorefrontPlan {
  httpMs: number;
  /**
   * Load before each measured run, not counted. A freshly started `next start` was still
   * getting faster after 2 s (its JIT): two 5 s runs in a row measured 295 then 407 req/s.
   */
  warmUpMs: number;
  reservations: number;
}

export interface HttpRun {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
}

export interface Wire {
  /** Socket.io frames Chromium received per stock update: payload plus WebSocket frame header. */
  pushBytesPerUpdate: number;
  pushFramesPerUpdate: number;
  /** One poll as Chromium sent and received it: request line + headers, response status + headers + body. */
  pollRequestBytes: number;
  pollResponseBytes: number;
}

export interface StorefrontResult {
  http: HttpRun[];
  browser: Latency[];
  wire: Wire;
  /** (h) through the real route: one PUT /api/v1/admin/inventory of 10,000 rows, wall time. */
  bulkHttp: { rows: number; seconds: number };
}

/**
 * (h) through Next.js: 2,500 SKUs × 4 rows in one PUT /api/v1/admin/inventory with the stack's
 * admin token, from the request to the answer (body read, JSON, the route, bulkSync).
 */
async function benchBulkHttp(stack: Stack, redis: ReturnType<typeof createRedis>, prefix: string) {
  const deps = benchDeps(redis, prefix);
  const skus = Array.from({ length: 2_500 }, (_, i) => `BULK-HTTP-${String(i).padStart(5, "0")}`);
  for (let i = 0; i < skus.length; i += 250)
    await Promise.all(
      skus.slice(i, i + 250).map((sku) => setStock(deps, { sku, onHand: 50, safety: 0, lowStockThreshold: 5, source: "bench" })),
    );
  const rows = skus.flatMap((sku) => [
    { sku, onHand: 40 },
    { sku, delta: 5, reason: "received" },
    { sku, delta: -2, reason: "damaged" },
    { sku, delta: 1, reason: "correction" },
  ]);
  const send = async (key: string, body: unknown) => {
    const res = await fetch(`${stack.baseUrl}/api/v1/admin/inventory`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${stack.env.ADMIN_API_TOKEN}`, "idempotency-key": key },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { applied?: number };
    if (!res.ok) throw new Error(`PUT /api/v1/admin/inventory answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    return answer;
  };
  await send("warm-up", { rows: rows.slice(0, 40) }); // the route's first compile and connections, not counted
  const started = performance.now();
  const answer = await send(`bench-${Date.now()}`, { rows });
  const seconds = (performance.now() - started) / 1000;
  if (answer.applied !== rows.length) throw new Error(`the bulk PUT applied ${answer.applied} of ${rows.length} rows`);
  console.log(`(h) PUT /api/v1/admin/inventory through Next.js: ${rows.length.toLocaleString("en")} rows in ${seconds.toFixed(2)} s`);
  return { rows: rows.length, seconds };
}

const LIMITS = {
  RESERVE_LIMIT_PER_MINUTE_PER_SESSION: "1000000",
  RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
  SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
  SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: "1000000",
};
const HTTP_SKU = "BENCH-HTTP";
const PRODUCT = { slug: "stoneware-mug-set", sku: "HOM-MUG-SLT" };
const SESSIONS = Array.from({ length: CONCURRENCY }, () => newSessionId());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startBareServer(redisUrl: string, prefix: string): Promise<{ url: string; stop: () => void }> {
  const entry = fileURLToPath(new URL("./bare-http-child.ts", import.meta.url));
  const child = fork(entry, [redisUrl, prefix], { stdio: "inherit", env: { ...process.env, ...LIMITS } });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`the bare HTTP server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/**
 * autocannon against POST /api/v1/reservations (or, `health`, GET /api/health): `CONCURRENCY`
 * connections, a distinct Idempotency-Key per request.
 */
async function hammer(label: string, url: string, durationMs: number, health = false): Promise<HttpRun> {
  let n = 0;
  const run = `${label.replace(/\W+/g, "-")}-${Date.now()}`;
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: durationMs / 1000,
    requests: health
      ? [{ method: "GET", path: "/api/health" }]
      : [
          {
            method: "POST",
            path: "/api/v1/reservations",
            setupRequest: (req) => {
              const i = n++;
              return {
                ...req,
                headers: {
                  "content-type": "application/json",
                  cookie: `sw_sid=${SESSIONS[i % SESSIONS.length]}`,
                  "idempotency-key": `${run}-${i}`,
                },
                body: JSON.stringify({ items: [{ sku: HTTP_SKU, quantity: 1 }] }),
              };
            },
          },
        ],
  });
  const ok = result["2xx"];
  return {
    label,
    requestsPerSecond: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    other: result.non2xx + result.errors + result.timeouts,
  };
}

async function benchHttp(stack: Stack, redisUrl: string, prefix: string, plan: StorefrontPlan): Promise<HttpRun[]> {
  const bare = await startBareServer(redisUrl, prefix);
  try {
    console.log(
      `(e) POST /api/v1/reservations: autocannon, ${CONCURRENCY} connections, ${plan.httpMs / 1000} s per run after ${plan.warmUpMs / 1000} s of warm-up, 1 unit of one SKU each`,
    );
    const runs: HttpRun[] = [];
    const next = stack.baseUrl.replace("localhost", "127.0.0.1");
    // The third: what Next.js itself allows on this machine — its health route (one Redis PING,
    // one Postgres SELECT 1, outside the proxy's matcher), the cheapest route the app has.
    for (const [label, url, health] of [
      ["ceiling: bare node:http", bare.url, false],
      ["Next.js route (next start)", next, false],
      ["Next.js floor: GET /api/health", next, true],
    ] as const) {
      await hammer(`${label} warm-up`, url, plan.warmUpMs, health);
      const r = await hammer(label, url, plan.httpMs, health);
      console.log(
        `    ${r.label.padEnd(30)} ${fmt(r.requestsPerSecond).padStart(8)} /s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  (${r.ok} ${health ? "answered" : "held"}, ${r.other} other answers or errors)`,
      );
      runs.push(r);
    }
    return runs;
  } finally {
    bare.stop();
  }
}

/** WebSocket frame header size for a server → client (unmasked) frame of `length` payload bytes. */
const frameHeader = (length: number) => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

async function benchBrowser(
  stack: Stack,
  redis: ReturnType<typeof createRedis>,
  prefix: string,
  plan: StorefrontPlan,
): Promise<{ latency: Latency[]; wire: Wire }> {
  const deps = benchDeps(redis, prefix);
  // Enough units for every reservation, the badge stays "In stock" (data-available still changes).
  await adjustStock(deps, { sku: PRODUCT.sku, delta: plan.reservations * 2 + 100, reason: "bench", source: "bench" });

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const page = await browser.newPage();
    const frames: { at: number; bytes: number }[] = [];
    page.on("websocket", (ws) => {
      ws.on("framereceived", ({ payload }) => {
        const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
        frames.push({ at: clock(), bytes: length + frameHeader(length) });
      });
    });
    await page.goto(`${stack.baseUrl}/products/${PRODUCT.slug}`);
    const selector = `[data-testid="stock-badge"][data-sku="${PRODUCT.sku}"]`;
    await page.waitForSelector(selector);
    await page.evaluate((sel) => {
      const w = window as unknown as { benchChanges: { value: string; at: number }[] };
      w.benchChanges = [];
      let last = document.querySelector<HTMLElement>(sel)?.dataset.available;
      new MutationObserver(() => {
        const value = document.querySelector<HTMLElement>(sel)?.dataset.available;
        if (value !== undefined && value !== last) {
          last = value;
          w.benchChanges.push({ value, at: performance.timeOrigin + performance.now() });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-available"] });
    }, selector);
    await sleep(1_500); // the page's socket connects and subscribes after hydration

    // One poll, as the page's own fetch would send it (cookie, Chromium's headers), measured by Chromium.
    const pollSizes = [];
    for (let i = 0; i < 2; i++) {
      const [request] = await Promise.all([
        page.waitForEvent("requestfinished", (r) => r.url().includes(`/api/v1/inventory/${PRODUCT.sku}`)),
        page.evaluate((sku) => fetch(`/api/v1/inventory/${sku}`).then((r) => r.text()), PRODUCT.sku),
      ]);
      pollSizes.push(await request.sizes());
    }
    const poll = pollSizes[pollSizes.length - 1]!;

    const cookie = `sw_sid=${newSessionId()}`;
    const latencies: number[] = [];
    const calledAt: number[] = [];
    const framesBefore = frames.length;
    const windowStart = clock();
    for (let i = 0; i < plan.reservations; i++) {
      await sleep(150);
      const t0 = clock();
      calledAt.push(t0);
      const res = await fetch(`${stack.baseUrl}/api/v1/reservations`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "idempotency-key": `browser-${Date.now()}-${i}` },
        body: JSON.stringify({ items: [{ sku: PRODUCT.sku, quantity: 1 }] }),
      });
      if (res.status !== 201) throw new Error(`reservation ${i} answered ${res.status}: ${await res.text()}`);
      await page.waitForFunction((n) => (window as unknown as { benchChanges: unknown[] }).benchChanges.length >= n, i + 1, {
        timeout: 10_000,
      });
      const at = await page.evaluate((n) => (window as unknown as { benchChanges: { at: number }[] }).benchChanges[n]!.at, i);
      latencies.push(at - t0);
    }
    await sleep(300);
    const windowFrames = frames.slice(framesBefore).filter((f) => f.at >= windowStart);
    const wire: Wire = {
      pushBytesPerUpdate: windowFrames.reduce((s, f) => s + f.bytes, 0) / plan.reservations,
      pushFramesPerUpdate: windowFrames.length / plan.reservations,
      pollRequestBytes: poll.requestHeadersSize + Math.max(0, poll.requestBodySize),
      pollResponseBytes: poll.responseHeadersSize + Math.max(0, poll.responseBodySize),
    };
    const latency = [
      summarize("Chromium badge, socket push", latencies, plan.reservations),
      pollingLatency(calledAt, 1_000, 5_000),
      pollingLatency(calledAt, 1_000, 30_000),
    ];
    printLatency(latency[0]!, `${latencies.length}/${plan.reservations} reservations: POST sent → data-available changed in the page`);
    printLatency(latency[1]!, "same call times, random phase per client");
    printLatency(latency[2]!, "same call times, random phase per client");
    console.log(
      `(f) wire, as Chromium saw it: ${wire.pushBytesPerUpdate.toFixed(0)} B per stock update in ${wire.pushFramesPerUpdate.toFixed(2)} WebSocket frames; ` +
        `one poll ${wire.pollRequestBytes} B request + ${wire.pollResponseBytes} B response`,
    );
    return { latency, wire };
  } finally {
    await browser.close();
  }
}

export async function benchStorefront(plan: StorefrontPlan): Promise<StorefrontResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-bench-stack-"));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root.
  const env: NodeJS.ProcessEnv = { ...process.env, ...LIMITS };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  const started = performance.now();
  const stack = await startStack({
    dataDir: dir,
    port: await freePort(),
    realtimePort: await freePort(),
    env,
    build: "if-stale",
    persistentRedis: false,
    durablePostgres: false,
    handleSignals: false,
    logDir: path.join(dir, "logs"),
    log: (msg) => console.log(`    [stack] ${msg}`),
  });
  console.log(
    `    [stack] ${stack.baseUrl} ready in ${((performance.now() - started) / 1000).toFixed(1)} s (reservation limits raised to 1,000,000/min)\n`,
  );
  const redisUrl = stack.env.REDIS_URL!;
  const prefix = stack.env.REDIS_PREFIX ?? "sw:";
  const redis = createRedis(redisUrl, "bench-storefront");
  try {
    await setStock(benchDeps(redis, prefix), { sku: HTTP_SKU, onHand: 1_000_000_000, safety: 0, lowStockThreshold: 5, source: "bench" });
    const http = await benchHttp(stack, redisUrl, prefix, plan);
    const bulkHttp = await benchBulkHttp(stack, redis, prefix);
    console.log(`\n(g) a real Chromium on /products/${PRODUCT.slug}: ${plan.reservations} reservations by script`);
    const { latency, wire } = await benchBrowser(stack, redis, prefix, plan);
    return { http, browser: latency, wire, bulkHttp };
  } finally {
    redis.disconnect();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
