// A real gateway on a free port for the realtime tests: its own subscriber, listening on
// 127.0.0.1, and live on the events channel before the test's first change (or that change is
// missed). `prepare` sees the HTTP server before it listens (e.g. to put a "proxy" in front).
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSubscriber } from "../../lib/core/redis";
import { closeApplication, createApplication, type StockServer } from "../../server/gateway";
import type { GatewayDeps } from "../../server/gateway/types";
import type { TestDeps } from "../helpers";

export interface TestGateway {
  gateway: StockServer;
  url: string;
  close(): Promise<void>;
}

export async function startTestGateway(
  deps: TestDeps,
  opts: Partial<Omit<GatewayDeps, "redis" | "subscriber" | "keys" | "deps">> & { prepare?: (server: HttpServer) => void } = {},
): Promise<TestGateway> {
  const { prepare, ...gatewayOpts } = opts;
  const subscriber = createSubscriber(deps.redis);
  const httpServer = createServer();
  const gateway = createApplication(httpServer, {
    redis: deps.redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: ["http://shop.test"],
    coalesceMs: 0,
    ...gatewayOpts,
  });
  prepare?.(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  while ((await deps.redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] === 0) await new Promise((r) => setTimeout(r, 20));
  return {
    gateway,
    url,
    async close() {
      await closeApplication(gateway);
      subscriber.disconnect();
    },
  };
}
