// (h) Bulk stock sync (issue 17): 10,000 rows (2,500 SKUs, 4 rows each: a count, then three
// movements) applied by bulkSync, the function behind PUT /api/v1/admin/inventory (it parses
// and checks every row itself; only the route's body read and JSON.parse are left out), next to
// the same rows applied one request at a time the way the single-SKU routes do (adjustStock /
// setStock, 64 SKUs in flight, each SKU's rows in order). A real gateway (child process, 25 ms
// coalescing, as the sidecar runs) relays to socket.io clients that watch every one of the
// 2,500 SKUs, and the bench counts the badge frames each SKU's watchers received.
import type { Redis } from "ioredis";
import { io as connect } from "socket.io-client";
import { MAX_SUBSCRIBED_SKUS } from "../../lib/shared/protocol";
import { adjustStock, bulkSync, setStock } from "../../lib/stock";
import { benchDeps, CONCURRENCY, fmt, ORIGIN, sleep, startGatewayChild, type BenchClient } from "./shared";

export interface BulkPlan {
  skus: number;
}

export interface BulkRun {
  label: string;
  rows: number;
  seconds: number;
  /** Badge frames per SKU: min, mean, max, and how many SKUs got exactly one. */
  frames: { min: number; mean: number; max: number; exactlyOne: number };
}

const ROWS_PER_SKU = 4;

type Row = { sku: string; onHand: number } | { sku: string; delta: number; reason: "received" | "damaged" | "correction" };
const rowsOf = (sku: string, round: number): Row[] => [
  { sku, onHand: 40 + round },
  { sku, delta: 5, reason: "received" },
  { sku, delta: -2, reason: "damaged" },
  { sku, delta: 1, reason: "correction" },
];

/** Socket.io clients that together watch `skus`, counting the stock frames per SKU. */
async function watchAll(url: string, skus: string[]): Promise<{ counts: Map<string, number>; close(): void }> {
  const counts = new Map<string, number>();
  const sockets: BenchClient[] = [];
  for (let i = 0; i < skus.length; i += MAX_SUBSCRIBED_SKUS) {
    const socket: BenchClient = connect(url, { transports: ["websocket"], extraHeaders: { origin: ORIGIN } });
    socket.on("stock", (sku) => counts.set(sku, (counts.get(sku) ?? 0) + 1));
    const ack = await socket.timeout(10_000).emitWithAck("subscribe", { skus: skus.slice(i, i + MAX_SUBSCRIBED_SKUS) });
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.message}`);
    sockets.push(socket);
  }
  return { counts, close: () => sockets.forEach((s) => s.disconnect()) };
}

function frameFigures(skus: string[], counts: Map<string, number>): BulkRun["frames"] {
  const per = skus.map((s) => counts.get(s) ?? 0);
  return {
    min: Math.min(...per),
    mean: per.reduce((a, b) => a + b, 0) / per.length,
    max: Math.max(...per),
    exactlyOne: per.filter((n) => n === 1).length,
  };
}

export async function benchBulkSync(redis: Redis, redisUrl: string, plan: BulkPlan): Promise<BulkRun[]> {
  const prefix = "bench-bulk:";
  const deps = benchDeps(redis, prefix);
  const skus = Array.from({ length: plan.skus }, (_, i) => `BULK-${String(i).padStart(5, "0")}`);
  for (let i = 0; i < skus.length; i += 250)
    await Promise.all(
      skus.slice(i, i + 250).map((sku) => setStock(deps, { sku, onHand: 50, safety: 0, lowStockThreshold: 5, source: "bench" })),
    );
  const gateway = await startGatewayChild(redisUrl, prefix, 25);
  const url = `http://127.0.0.1:${gateway.port}`;
  const runs: BulkRun[] = [];
  console.log(`(h) bulk sync: ${fmt(skus.length * ROWS_PER_SKU)} rows over ${fmt(skus.length)} SKUs, every SKU watched live`);
  try {
    // Warm-up (script cache, JIT), not counted.
    await bulkSync(deps, { rows: skus.slice(0, 50).flatMap((s) => rowsOf(s, 0)), actor: "bench", source: "bench", idempotencyKey: "warm" });

    for (const [label, round, apply] of [
      [
        "one request, bulkSync",
        1,
        (rows: Row[]) =>
          bulkSync(deps, { rows, actor: "bench", source: "bench", idempotencyKey: `bulk-${Date.now()}` }).then((r) => {
            if (r.applied !== rows.length) throw new Error(`bulk sync applied ${r.applied} of ${rows.length} rows`);
          }),
      ],
      [
        "baseline: a request per row",
        2,
        async (rows: Row[]) => {
          const bySku = new Map<string, Row[]>();
          for (const r of rows) bySku.set(r.sku, [...(bySku.get(r.sku) ?? []), r]);
          const lanes = [...bySku.values()];
          let next = 0;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              while (next < lanes.length) {
                for (const r of lanes[next++]!) {
                  if ("onHand" in r)
                    await setStock(deps, {
                      sku: r.sku,
                      onHand: r.onHand,
                      safety: 0,
                      lowStockThreshold: 5,
                      reason: "recount",
                      source: "bench",
                    });
                  else await adjustStock(deps, { sku: r.sku, delta: r.delta, reason: r.reason, source: "bench" });
                }
              }
            }),
          );
        },
      ],
    ] as const) {
      const watchers = await watchAll(url, skus);
      await sleep(300);
      const rows = skus.flatMap((s) => rowsOf(s, round));
      const started = performance.now();
      await apply(rows);
      const seconds = (performance.now() - started) / 1000;
      await sleep(500); // the last coalescing windows and frames in flight
      watchers.close();
      const run = { label, rows: rows.length, seconds, frames: frameFigures(skus, watchers.counts) };
      const f = run.frames;
      console.log(
        `  ${label.padEnd(30)} ${seconds.toFixed(2)} s (${fmt(rows.length / seconds)} rows/s); badge frames per SKU min ${f.min}, mean ${f.mean.toFixed(2)}, max ${f.max}; ${fmt(f.exactlyOne)} of ${fmt(skus.length)} SKUs exactly one`,
      );
      runs.push(run);
    }
  } finally {
    await gateway.stop();
  }
  return runs;
}
