// Prometheus metrics and the health check of the sidecar, served on its own HTTP server
// next to Socket.IO (which only claims /socket.io/ paths).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RedisMemory } from "../lib/core/redis-memory";

export interface SidecarMetricsOptions {
  /** Events still waiting in Redis streams for the ledger, read at scrape time. */
  pendingLedgerEvents?: () => Promise<number>;
  /** What Redis says of its memory, read at scrape time (lib/core/redis-memory.ts). */
  redisMemory?: () => Promise<RedisMemory>;
  /** Outbound webhook deliveries still to be made (pending), read at scrape time. */
  pendingWebhookDeliveries?: () => Promise<number>;
  /** Whether each store answers (1) or not (0), read at scrape time. */
  storeUp?: { redis: () => Promise<unknown>; postgres: () => Promise<unknown> };
  /** Node process metrics (event loop lag, memory); off in tests that build many registries. */
  processMetrics?: boolean;
}

/** Every instrument of the sidecar, on a registry of its own (tests build several side by side). */
export function createSidecarMetrics(opts: SidecarMetricsOptions = {}) {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: "stockwire_sidecar_" });
  const pendingLedgerEvents = opts.pendingLedgerEvents;
  const pendingWebhookDeliveries = opts.pendingWebhookDeliveries;
  const storeUp = opts.storeUp;
  const answers = (check: () => Promise<unknown>) =>
    Promise.race([check().then(() => 1), new Promise<number>((resolve) => setTimeout(() => resolve(0), 1_000).unref())]).catch(() => 0);
  const readMemory = opts.redisMemory;
  // One INFO per scrape serves both memory gauges.
  let memoryReading: { at: number; value: Promise<RedisMemory | null> } | null = null;
  const memory = () => {
    if (!readMemory) return Promise.resolve(null);
    if (!memoryReading || Date.now() - memoryReading.at > 1_000) memoryReading = { at: Date.now(), value: readMemory().catch(() => null) };
    return memoryReading.value;
  };

  return {
    registry,
    connectedSockets: new Gauge({
      name: "stockwire_realtime_connected_sockets",
      help: "Sockets connected to this sidecar, by namespace.",
      labelNames: ["namespace"] as const,
      registers: [registry],
    }),
    eventsRelayed: new Counter({
      name: "stockwire_realtime_events_total",
      help: "Stock events seen by the gateway, by outcome (emitted, coalesced, stale, invalid).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    emitPropagation: new Histogram({
      name: "stockwire_realtime_emit_propagation_seconds",
      help: "Time from a stock change (the event's Redis timestamp) to its emission to subscribed sockets.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    persisterLag: new Gauge({
      name: "stockwire_ledger_pending_events",
      help: "Stock events in Redis not yet written to the Postgres ledger.",
      registers: [registry],
      async collect() {
        if (!pendingLedgerEvents) return;
        try {
          this.set(await pendingLedgerEvents());
        } catch {
          // A scrape during a Redis outage keeps the last value; /health reports the outage.
        }
      },
    }),
    webhookBacklog: new Gauge({
      name: "stockwire_webhook_pending_deliveries",
      help: "Outbound webhook deliveries not yet made (pending, including those waiting for a retry).",
      registers: [registry],
      async collect() {
        if (!pendingWebhookDeliveries) return;
        try {
          this.set(await pendingWebhookDeliveries());
        } catch {
          // A scrape during a Postgres outage keeps the last value; stockwire_store_up says why.
        }
      },
    }),
    storeUp: new Gauge({
      name: "stockwire_store_up",
      help: "Whether a store answers within 1 s: 1 yes, 0 no (store: redis, postgres).",
      labelNames: ["store"],
      registers: [registry],
      async collect() {
        if (!storeUp) return;
        const [redis, postgres] = await Promise.all([answers(storeUp.redis), answers(storeUp.postgres)]);
        this.set({ store: "redis" }, redis);
        this.set({ store: "postgres" }, postgres);
      },
    }),
    redisMemoryRatio: new Gauge({
      name: "stockwire_redis_memory_used_ratio",
      help: "Redis used_memory over maxmemory (0 when no maxmemory is set); alert above 0.8.",
      registers: [registry],
      async collect() {
        const m = await memory();
        if (m) this.set(m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0);
      },
    }),
    redisMayEvict: new Gauge({
      name: "stockwire_redis_may_evict",
      help: "1 when Redis runs with a maxmemory-policy other than noeviction (it could delete stock when full); alert on 1.",
      registers: [registry],
      async collect() {
        const m = await memory();
        if (m) this.set(m.policies.some((p) => p !== "noeviction") ? 1 : 0);
      },
    }),
    queueAdmissions: new Counter({
      name: "stockwire_queue_admissions_total",
      help: "Flash-sale shoppers admitted by this sidecar's admitter, by sale.",
      labelNames: ["sale"] as const,
      registers: [registry],
    }),
    queueWaiting: new Gauge({
      name: "stockwire_queue_waiting",
      help: "Shoppers waiting in each flash sale's line, as of this sidecar's last admission tick.",
      labelNames: ["sale"] as const,
      registers: [registry],
    }),
    eventsPersisted: new Counter({
      name: "stockwire_ledger_events_persisted_total",
      help: "Stock events this sidecar wrote to the ledger (duplicates skipped are not counted).",
      registers: [registry],
    }),
    expiredHolds: new Counter({
      name: "stockwire_holds_expired_total",
      help: "Reservations this sidecar expired because their deadline passed.",
      registers: [registry],
    }),
    workerErrors: new Counter({
      name: "stockwire_worker_errors_total",
      help: "Failed runs of a background loop (retried on the next tick).",
      labelNames: ["loop"] as const,
      registers: [registry],
    }),
  };
}

export type SidecarMetrics = ReturnType<typeof createSidecarMetrics>;

export interface PropagationSummary {
  /** Seconds; null without samples in the window. */
  p50: number | null;
  p99: number | null;
  samples: number;
  windowMs: number;
}

export interface PropagationWindow {
  record(seconds: number, now?: number): void;
  summary(now?: number): PropagationSummary;
}

/**
 * The last `capacity` emit propagation samples, in a ring, for percentiles over the last
 * `windowMs` (the Prometheus histogram counts since start and its buckets are coarse).
 */
export function createPropagationWindow(capacity = 2048, windowMs = 5 * 60_000): PropagationWindow {
  const values = new Float64Array(capacity);
  const times = new Float64Array(capacity);
  let next = 0;
  let size = 0;
  return {
    record(seconds, now = Date.now()) {
      values[next] = seconds;
      times[next] = now;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    summary(now = Date.now()) {
      const recent: number[] = [];
      for (let i = 0; i < size; i++) if (now - times[i]! <= windowMs) recent.push(values[i]!);
      recent.sort((a, b) => a - b);
      const at = (q: number) => (recent.length ? recent[Math.min(recent.length - 1, Math.ceil(q * recent.length) - 1)]! : null);
      return { p50: at(0.5), p99: at(0.99), samples: recent.length, windowMs };
    },
  };
}

/** Answers GET /metrics and GET /health; anything else is a 404. */
export function metricsRequestHandler(metrics: SidecarMetrics, redis: Redis) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => sendJson(res, 500, { error: { code: "metrics_failed", message: String(err) } }));
      return;
    }
    if (req.method === "GET" && path === "/health") {
      redisAnswers(redis).then((ok) =>
        ok
          ? sendJson(res, 200, { status: "ok" })
          : sendJson(res, 503, { status: "error", error: { code: "redis_unavailable", message: "Redis does not answer PING." } }),
      );
      return;
    }
    sendJson(res, 404, { error: { code: "not_found", message: "Only /metrics, /health and /socket.io/ live here." } });
  };
}

async function redisAnswers(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      redis.ping().then(
        (r) => r === "PONG",
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
