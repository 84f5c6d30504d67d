// Outbound webhooks in the sidecar: every stock event heard on Pub/Sub becomes one delivery per
// interested subscription (idempotent per sku:version, so every sidecar may enqueue), and one
// sidecar at a time — the holder of a Redis lease — sends what is due. Network calls happen
// only here, never in the storefront's request path.
import type { Deps } from "../../lib/core/deps";
import { createLease } from "../../lib/core/lease";
import { decodeStockEvent } from "../../lib/events";
import type { StockEvent } from "../../lib/shared/types";
import { createWebhookDispatcher, enqueueStockEvents, type DeliveryOptions } from "../../lib/webhooks";
import { every, type Loop } from "./loop";
import { createStockEventFeed, type OwnedStockEventFeed, type StockEventFeed } from "../../lib/events";
import { logFor } from "../../lib/core/log";

const logger = logFor("webhooks");

export interface WebhookWorkerOptions extends DeliveryOptions {
  /** The process's one subscription to stock events (lib/events/feed.ts); without it, one of its own. */
  feed?: StockEventFeed;
  /** How often due deliveries are looked for. */
  pollMs?: number;
  /** How often heard stock events are turned into deliveries. */
  flushMs?: number;
  log?: (message: string) => void;
}

export interface WebhookWorkerCounters {
  enqueued: number;
  delivered: number;
  retried: number;
  failed: number;
  errors: number;
}

export interface WebhookWorker {
  counters: WebhookWorkerCounters;
  /** Resolves once the Pub/Sub subscription is live. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const ERROR_LOG_INTERVAL_MS = 60_000;
/** Events held while Postgres is unreachable; beyond this they are dropped (no catch-up yet). */
const MAX_BUFFERED = 10_000;

/** Start enqueueing stock events for subscribers and sending due deliveries; stop() waits for runs in flight. */
export function startWebhookWorker(deps: Deps, opts: WebhookWorkerOptions = {}): WebhookWorker {
  const log = opts.log ?? ((m: string) => logger.error(m));
  const counters: WebhookWorkerCounters = {
    enqueued: 0,
    errors: 0,
    // What the dispatcher's lanes have done (they run on their own time, not in the poll).
    get delivered() {
      return dispatcher.totals.delivered;
    },
    get retried() {
      return dispatcher.totals.retrying;
    },
    get failed() {
      return dispatcher.totals.failed;
    },
  };
  const lastLogged = new Map<string, number>();
  const failed = (what: string, err: unknown) => {
    counters.errors++;
    const now = Date.now();
    if (now - (lastLogged.get(what) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    lastLogged.set(what, now);
    log(`[webhooks:${what}] ${err instanceof Error ? err.message : String(err)} (retrying; next report in a minute)`);
  };

  // Events are buffered and enqueued in batches: one subscription look-up and one insert per
  // flush, however busy the shop is.
  let buffer: StockEvent[] = [];
  const feed = opts.feed ?? createStockEventFeed({ redis: deps.redis }, deps.keys.eventsChannel, (err) => failed("subscribe", err));
  const stopListening = feed.listen((message) => {
    const event = decodeStockEvent(message);
    if (event && buffer.length < MAX_BUFFERED) buffer.push(event);
  });
  const ready = feed.ready;

  async function flush(): Promise<void> {
    if (buffer.length === 0) return;
    const events = buffer;
    buffer = [];
    try {
      const pipeline = deps.redis.pipeline();
      for (const e of events) pipeline.hget(deps.keys.stock(e.sku), "low");
      const lows = (await pipeline.exec()) ?? [];
      counters.enqueued += await enqueueStockEvents(
        deps,
        events.map((event, i) => ({ event, lowStockThreshold: Number(lows[i]?.[1] ?? 5) })),
      );
    } catch (err) {
      buffer = events.concat(buffer).slice(0, MAX_BUFFERED); // try again next flush
      throw err;
    }
  }

  const pollMs = opts.pollMs ?? 500;
  // Renewed every poll; a lane still sending when the lease moves may repeat a delivery, which
  // receivers drop by its X-Stockwire-Delivery id (at-least-once).
  const lease = createLease(deps.redis, deps.keys.lease("webhooks"), Math.max(10_000, (opts.timeoutMs ?? 3_000) * 3));
  const dispatcher = createWebhookDispatcher(deps, opts);
  let reportedFailed = 0;
  const loops: Loop[] = [
    every(opts.flushMs ?? 50, flush, (err) => failed("enqueue", err)),
    every(
      pollMs,
      async () => {
        const failedNow = dispatcher.totals.failed;
        if (failedNow > reportedFailed) log(`[webhooks] ${failedNow - reportedFailed} deliveries failed for good after their last attempt`);
        reportedFailed = failedNow;
        if (!(await lease.acquire())) return;
        // Starts lanes and returns: a slow subscriber's lane never holds up the next poll.
        await dispatcher.tick();
      },
      (err) => failed("deliver", err),
      { runAtStart: true },
    ),
  ];

  return {
    counters,
    ready,
    async stop() {
      stopListening();
      if (!opts.feed) await (feed as OwnedStockEventFeed).close();
      await Promise.all(loops.map((l) => l.stop()));
      await dispatcher.idle();
      await flush().catch((err: unknown) => failed("enqueue", err));
      if (lease.held) await lease.release().catch(() => {});
    },
  };
}
