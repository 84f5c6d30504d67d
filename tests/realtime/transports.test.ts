// The storefront's socket options (components/realtime/socket.ts) against a gateway whose
// WebSocket upgrade a "proxy" refuses: the client connects over long-polling and follows stock;
// once WebSocket can be opened again, the next reconnect is on WebSocket.
import type { IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STOCK_SOCKET_OPTIONS } from "../../components/realtime/socket";
import { stockFrame, type ClientToServerEvents, type ServerToClientEvents } from "../../lib/shared/protocol";
import type { Availability } from "../../lib/shared/types";
import { adjustStock } from "../../lib/stock";
import type { StockServer } from "../../server/gateway";
import { seedSkus, testDeps } from "../helpers";
import { startTestGateway, type TestGateway } from "./test-gateway";

const ORIGIN = "http://shop.test";
const deps = testDeps();
let gateway: StockServer;
let url: string;
let blockWebSocket = true;
let refusedUpgrades = 0;
let client: ClientSocket<ServerToClientEvents, ClientToServerEvents> | undefined;

let served: TestGateway;

beforeAll(async () => {
  served = await startTestGateway(deps, {
    allowedOrigins: [ORIGIN],
    // The "proxy": while blocked, every WebSocket upgrade is cut before the gateway sees it.
    prepare(httpServer) {
      const upgradeListeners = httpServer.listeners("upgrade") as ((req: IncomingMessage, socket: NetSocket, head: Buffer) => void)[];
      httpServer.removeAllListeners("upgrade");
      httpServer.on("upgrade", (req: IncomingMessage, socket: NetSocket, head: Buffer) => {
        if (blockWebSocket) {
          refusedUpgrades++;
          socket.destroy();
          return;
        }
        for (const listener of upgradeListeners) listener.call(httpServer, req, socket, head);
      });
    },
  });
  ({ gateway, url } = served);
});

afterAll(async () => {
  client?.disconnect();
  await served.close();
  await deps.close();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the storefront's transports", () => {
  it("falls back to long-polling when WebSocket is refused, follows stock there, and is on WebSocket after a reconnect once it can be", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 6 }]);
    client = connect(url, { ...STOCK_SOCKET_OPTIONS, forceNew: true, extraHeaders: { origin: ORIGIN } });
    const frames: Availability[] = [];
    client.on("stock", (...args) => frames.push(stockFrame(...args)));
    // As useLiveStock: subscribe on every connect; count the acks to know when a connection is subscribed.
    let acks = 0;
    client.on("connect", () => client!.emit("subscribe", { skus: [sku!] }, () => acks++));

    await until(() => client!.connected, "connected");
    expect(refusedUpgrades).toBeGreaterThan(0);
    expect(client.io.engine.transport.name).toBe("polling");
    await until(() => acks === 1, "subscribed");
    await adjustStock(deps, { sku: sku!, delta: -2, source: "api", actor: "test", reason: "recount" });
    await until(() => frames.some((f) => f.available === 4), "a frame over polling");

    // WebSocket works again; the connection is cut (a sidecar restart, a network blip).
    blockWebSocket = false;
    const refusedBefore = refusedUpgrades;
    for (const s of gateway.of("/").sockets.values()) s.conn.close();
    await until(() => client!.connected && client!.io.engine.transport.name === "websocket", "reconnected on WebSocket");
    expect(refusedUpgrades).toBe(refusedBefore);
    await until(() => acks === 2, "subscribed again");
    await adjustStock(deps, { sku: sku!, delta: -1, source: "api", actor: "test", reason: "recount" });
    await until(() => frames.some((f) => f.available === 3), "a frame over WebSocket");
  });
});
