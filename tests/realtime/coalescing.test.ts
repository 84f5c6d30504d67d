// Coalescing with a long window makes the timing visible without racing the clock: a change
// to a quiet SKU must go out at once (leading edge), a change right after it must wait for
// the window to end, and then arrive with the newest version.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { adjustStock } from "../../lib/stock";
import { stockFrame, type ClientToServerEvents, type ServerToClientEvents } from "../../lib/shared/protocol";
import type { Availability } from "../../lib/shared/types";
import { closeApplication, createApplication, type StockServer } from "../../server/gateway";
import { seedSkus, testDeps } from "../helpers";
import { createSubscriber } from "../../lib/core/redis";

const ORIGIN = "http://shop.test";
const WINDOW_MS = 3_000;
const deps = testDeps();
const subscriber = createSubscriber(deps.redis);
let gateway: StockServer;
let url: string;

beforeAll(async () => {
  const httpServer = createServer();
  gateway = createApplication(httpServer, {
    redis: deps.redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: [ORIGIN],
    coalesceMs: WINDOW_MS,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  for (let i = 0; i < 100 && (await deps.redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] !== 1; i++) await sleep(20);
});

afterAll(async () => {
  await closeApplication(gateway);
  subscriber.disconnect();
  await deps.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("sends a lone change at once and merges the next ones until the window ends", async () => {
  const [sku] = await seedSkus(deps, [{ onHand: 50 }]);
  await sleep(WINDOW_MS + 200); // the seeding event's window passes: the SKU is quiet
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: { origin: ORIGIN },
  });
  const seen: { frame: Availability; at: number }[] = [];
  socket.on("stock", (...args) => seen.push({ frame: stockFrame(...args), at: Date.now() }));
  await socket.timeout(5_000).emitWithAck("subscribe", { skus: [sku!] });

  const first = Date.now();
  await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" }); // v2
  for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10);
  expect(seen.map((s) => s.frame)).toEqual([{ sku, available: 49, version: 2 }]);
  expect(seen[0]!.at - first).toBeLessThan(WINDOW_MS / 2); // not held back by the window

  await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" }); // v3
  await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" }); // v4
  await sleep(WINDOW_MS / 3);
  expect(seen).toHaveLength(1); // inside the window: merged, not yet sent

  for (let i = 0; i < 300 && seen.length < 2; i++) await sleep(20);
  expect(seen.map((s) => s.frame)).toEqual([
    { sku, available: 49, version: 2 },
    { sku, available: 47, version: 4 },
  ]);
  socket.disconnect();
}, 20_000);
