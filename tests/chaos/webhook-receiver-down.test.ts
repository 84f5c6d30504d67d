// Fault: the receiver of an outbound webhook subscription is down while stock changes.
// Pass: the storefront's reservation latency (p50) with the receiver down stays within
// max(1.5 × p50 with it up, p50 up + 25 ms); once the receiver is back, every stock event of
// the SKU is delivered within 30 s (retries back off 1 s, 2 s, 4 s … with up to 20 % jitter;
// the backoff is not configurable by environment, so the default is measured).
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../../scripts/services";
import { createSku, percentile, report, Shopper, sleep, startChaosStack, type ChaosStack } from "./harness";

let stack: ChaosStack;
let receiver: Server | undefined;
const received = new Set<string>();

function startReceiver(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const key = req.headers["x-stockwire-event"];
    req.resume();
    req.on("end", () => {
      if (typeof key === "string") received.add(key);
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

function stopReceiver(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

beforeAll(async () => {
  stack = await startChaosStack("webhooks");
});
afterAll(async () => {
  if (receiver?.listening) await stopReceiver(receiver);
  await stack?.close();
});

async function timedHolds(shopper: Shopper, sku: string, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const held = await shopper.hold(sku);
    expect(held.status).toBe(201);
    ms.push(held.ms);
  }
  return ms;
}

it("keeps reservation latency and delivers everything once the receiver is back", async () => {
  const port = await freePort();
  receiver = await startReceiver(port);
  const sub = await stack.admin("POST", "/api/v1/admin/webhooks", { url: `http://127.0.0.1:${port}/hook`, events: "all" });
  expect(sub.status).toBe(201);
  const sku = await createSku(stack, "WH", 10_000);
  const shopper = new Shopper(stack.baseUrl, 1);
  await timedHolds(shopper, sku, 20); // warm-up

  const up = await timedHolds(shopper, sku, 100);
  await stopReceiver(receiver);
  const downAt = Date.now();
  const down = await timedHolds(shopper, sku, 100);
  await sleep(Math.max(0, 5_000 - (Date.now() - downAt))); // several failed attempts each
  receiver = await startReceiver(port);
  const backAt = Date.now();

  const version = (await shopper.inventory(sku)).body.version;
  const expected = Array.from({ length: version }, (_, i) => `${sku}:${i + 1}`);
  while (expected.some((k) => !received.has(k)) && Date.now() - backAt < 60_000) await sleep(100);
  const deliveredMs = Date.now() - backAt;
  const missing = expected.filter((k) => !received.has(k)).length;

  const p50Up = percentile(up, 50);
  const p50Down = percentile(down, 50);
  report("webhook-receiver-down", {
    p50UpMs: +p50Up.toFixed(1),
    p95UpMs: +percentile(up, 95).toFixed(1),
    p50DownMs: +p50Down.toFixed(1),
    p95DownMs: +percentile(down, 95).toFixed(1),
    receiverDownMs: backAt - downAt,
    events: version,
    missing,
    allDeliveredMsAfterBack: deliveredMs,
  });

  expect(p50Down).toBeLessThanOrEqual(Math.max(1.5 * p50Up, p50Up + 25));
  expect(missing).toBe(0);
  expect(deliveredMs).toBeLessThanOrEqual(30_000);
});
