// The sidecar's entry: `npx tsx server/index.ts`. Restores Redis from the ledger when it is
// empty (SKU by SKU where it is behind the ledger), then serves Socket.IO, /metrics and
// /health on REALTIME_PORT and runs the workers.
import { createServer } from "node:http";
import { allowedOrigins, config } from "../lib/core/config";
import type { Deps } from "../lib/core/deps";
import { createDb } from "../lib/core/db";
import { redisKeys } from "../lib/core/keys";
import { catchUpWithLedger, rebuildFromLedger, redisIsEmpty } from "../lib/ledger";
import { createConfiguredRedis, createSubscriber } from "../lib/core/redis";
import { redisMemory } from "../lib/core/redis-memory";
import { startAdmitter } from "./workers";
import { startAlertRaiser, startPropagationReporter } from "./workers";
import { broadcastAlert, broadcastQueueFrame, closeApplication, createApplication, notifyAdmitted } from "./gateway";
import { createPropagationWindow, createSidecarMetrics, metricsRequestHandler } from "./metrics";
import { startReconciler } from "./workers";
import { startWebhookWorker } from "./workers";
import { pendingLedgerEvents, startWorkers } from "./workers";
import { createStockEventFeed } from "../lib/events";
import { logFor } from "../lib/core/log";

// Every log line of this process says it comes from the sidecar (read when the first line is written).
process.env.STOCKWIRE_SERVICE ??= "sidecar";
const logger = logFor("sidecar");

async function main(): Promise<void> {
  const cfg = config();
  const redis = createConfiguredRedis("stockwire-sidecar");
  const db = createDb(cfg.DATABASE_URL);
  const deps: Deps = {
    redis,
    db,
    keys: redisKeys(cfg.REDIS_PREFIX),
    holdTtlSeconds: cfg.HOLD_TTL_SECONDS,
    queueTokenSecret: cfg.QUEUE_TOKEN_SECRET,
  };

  await restoreRedisIfEmpty(deps);
  // Before any worker runs: a Redis restored from an older snapshot or AOF must not number new
  // events after its stale versions (they would collide with the ledger's).
  await catchUpRedisWithLedger(deps);

  await warnAboutRedisMemory(redis);
  const metrics = createSidecarMetrics({
    pendingLedgerEvents: () => pendingLedgerEvents(deps),
    redisMemory: () => redisMemory(redis),
    pendingWebhookDeliveries: () => db.webhookDelivery.count({ where: { status: "pending" } }),
    storeUp: { redis: () => redis.ping(), postgres: () => db.$queryRaw`SELECT 1` },
    processMetrics: true,
  });
  const httpServer = createServer(metricsRequestHandler(metrics, redis));
  const propagation = createPropagationWindow();
  const subscriber = createSubscriber(redis);
  subscriber.on("error", (err) => logger.error("[redis:stockwire-sidecar-events]", err.message));
  // One subscription to stock events for the whole process, fanned out to the gateway and the workers.
  const feed = createStockEventFeed({ subscriber }, deps.keys.eventsChannel, (err) =>
    logger.error("[events]", err instanceof Error ? err.message : err),
  );
  const io = createApplication(httpServer, {
    redis,
    subscriber,
    feed,
    keys: deps.keys,
    deps,
    allowedOrigins: allowedOrigins(cfg),
    coalesceMs: cfg.REALTIME_COALESCE_MS,
    adminToken: cfg.ADMIN_API_TOKEN,
    metrics,
    propagation,
  });
  const workers = startWorkers(deps, { feed, metrics, onAlert: (alert) => broadcastAlert(io, alert) });
  const webhooks = startWebhookWorker(deps, { feed });
  const reconciler = startReconciler(deps, {
    intervalMs: cfg.RECONCILE_INTERVAL_SECONDS * 1000,
    autoRepair: cfg.RECONCILE_AUTO_REPAIR,
  });
  const alerts = startAlertRaiser(deps, { feed, onRaised: (alert) => broadcastAlert(io, alert) });
  const propagationReporter = startPropagationReporter(deps, propagation);
  const admitter = startAdmitter(deps, {
    tickMs: cfg.QUEUE_TICK_MS,
    metrics,
    onFrame: (frame) => broadcastQueueFrame(io, frame),
    onAdmitted: (saleId, tickets, deadline) => notifyAdmitted(io, saleId, tickets, deadline),
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(cfg.REALTIME_PORT, "0.0.0.0", resolve);
  });
  logger.info(`realtime gateway on :${cfg.REALTIME_PORT}`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: closing sockets, stopping workers`);
    // A stuck connection must not keep the process from ending (the orchestrator is waiting).
    setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await admitter.stop();
      await alerts.stop();
      await propagationReporter.stop();
      await reconciler.stop();
      await workers.stop();
      await webhooks.stop();
      await closeApplication(io);
      await feed.close();
      subscriber.disconnect();
      await redis.quit();
      await db.$disconnect();
      process.exit(0);
    } catch (err) {
      logger.error("shutdown failed:", err);
      process.exit(1);
    }
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

/** A wiped or new Redis gets its counters back from the Postgres ledger before anyone reads them. */
async function restoreRedisIfEmpty(deps: Deps): Promise<void> {
  if (!(await redisIsEmpty(deps))) return;
  const lease = deps.keys.lease("rebuild");
  // Sidecars starting together: one rebuilds, the others serve (rebuilding twice would be harmless, only slower).
  if ((await deps.redis.set(lease, String(process.pid), "PX", 120_000, "NX")) !== "OK") {
    logger.info("Redis is empty; another sidecar is rebuilding it from the ledger");
    return;
  }
  try {
    const started = Date.now();
    const report = await rebuildFromLedger(deps, { source: "rebuild", actor: "sidecar-start" });
    logger.info(
      `Redis was empty: rebuilt ${report.rebuilt} of ${report.skus} SKUs from the ledger ` +
        `(${report.unchanged} unchanged) in ${Date.now() - started} ms`,
    );
  } finally {
    await deps.redis.del(lease);
  }
}

/**
 * SKUs whose Redis counters are behind the ledger (a partial loss: Redis restored from an
 * older snapshot or AOF, or a SKU's counters gone) are rebuilt from the ledger, so their next
 * event continues after the ledger's last version. Every reconciliation run checks again, so a
 * failure here (Postgres down) is logged and the sidecar starts anyway.
 */
async function catchUpRedisWithLedger(deps: Deps): Promise<void> {
  try {
    // Another sidecar is restoring an empty Redis: it rebuilds every SKU anyway.
    if (await deps.redis.exists(deps.keys.lease("rebuild"))) return;
    const started = Date.now();
    const { behind, report } = await catchUpWithLedger(deps, { source: "rebuild", actor: "sidecar-start", includeMissing: true });
    if (behind.length === 0) return;
    logger.error(
      `[sidecar] ${behind.length} SKU(s) were behind the ledger (${behind
        .slice(0, 10)
        .map((b) => `${b.sku} v${b.redisVersion ?? "(missing)"} behind v${Math.max(b.ledgerVersion, b.persisted)}`)
        .join(", ")}` +
        `${behind.length > 10 ? ", …" : ""}): rebuilt ${report?.rebuilt ?? 0} from the ledger in ${Date.now() - started} ms` +
        (report && report.notRebuilt.length > 0 ? `; ${report.notRebuilt.length} kept changing (reconciliation retries)` : ""),
    );
  } catch (err) {
    logger.error(
      "[sidecar] could not check Redis against the ledger at start (reconciliation will):",
      err instanceof Error ? err.message : err,
    );
  }
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err), err);
  process.exit(1);
});

/** An evicting Redis can delete stock: say so loudly at start (health and /metrics keep saying it). */
async function warnAboutRedisMemory(redis: Parameters<typeof redisMemory>[0]): Promise<void> {
  try {
    const m = await redisMemory(redis);
    if (m.problem) logger.error(`[sidecar] WARNING ${m.problem.code}: ${m.problem.message}`);
  } catch (err) {
    logger.error("[sidecar] could not read Redis memory settings:", err instanceof Error ? err.message : err);
  }
}
