// Child process of the bench (started by startGatewayChild in shared.ts): one gateway against
// the bench Redis, as the sidecar runs it, so the clients' decoding in the bench process does
// not share an event loop with the emitting. It also runs admission ticks on request, the way
// server/workers/admitter.ts does (admitTick, then broadcast), without the admitter's Postgres steps.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRedis, createSubscriber } from "../../lib/core/redis";
import { admitTick } from "../../lib/sales";
import { broadcastQueueFrame, closeApplication, createApplication, notifyAdmitted } from "../../server/gateway";
import { benchDeps, clock, cpuMicros, ORIGIN, sleep, type ChildReply, type ChildRequest } from "./shared";

async function serveGateway(redisUrl: string, prefix: string, coalesceMs: number): Promise<void> {
  const redis = createRedis(redisUrl, "bench-gateway");
  const subscriber = createSubscriber(redis);
  const deps = benchDeps(redis, prefix);
  const httpServer = createServer();
  const io = createApplication(httpServer, { redis, subscriber, keys: deps.keys, deps, allowedOrigins: [ORIGIN], coalesceMs });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  while ((await redis.pubsub("NUMSUB", deps.keys.eventsChannel))[1] === 0) await sleep(10);
  const reply = (m: ChildReply) => process.send?.(m);
  reply({ type: "ready", port: (httpServer.address() as AddressInfo).port });

  process.on("message", async (m: ChildRequest) => {
    if (m.type === "tick") {
      const started = clock();
      const result = await admitTick(deps, m.saleId);
      const tickMs = clock() - started;
      if (!result) return reply({ type: "ticked", report: null });
      const at = clock();
      if (result.changed) broadcastQueueFrame(io, result.frame);
      notifyAdmitted(io, m.saleId, result.admittedTickets, result.deadline);
      const { frame } = result;
      reply({
        type: "ticked",
        report: {
          tick: frame.tick,
          changed: result.changed,
          at,
          tickMs,
          admittedNow: result.admittedTickets.length,
          departed: frame.departed.length,
          waiting: frame.waiting,
        },
      });
    } else if (m.type === "memory") {
      // Twice: the first pass can leave work for finalizers that the second collects.
      for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.();
      await sleep(50);
      const { rss, heapUsed, external } = process.memoryUsage();
      reply({ type: "memory", report: { rss, heapUsed, external } });
    } else if (m.type === "cpu") {
      reply({ type: "cpu", micros: cpuMicros() });
    } else {
      await closeApplication(io);
      subscriber.disconnect();
      redis.disconnect();
      process.exit(0);
    }
  });
  process.once("disconnect", () => process.exit(0));
}

const [redisUrl, prefix, coalesceMs] = process.argv.slice(2);
serveGateway(redisUrl!, prefix!, Number(coalesceMs)).catch((err: unknown) => {
  console.error("[bench gateway]", err);
  process.exit(1);
});
