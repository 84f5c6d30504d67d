// Background loops of the sidecar: hold expiry and the ledger persister. Both are safe to run
// in every sidecar at once; all coordination goes through Redis, never process memory.
import type { Redis } from "ioredis";
import type { Deps } from "../lib/context";
import { knownSkus } from "../lib/inventory";
import { SKU_PATTERN } from "../lib/keys";
import { createLease } from "../lib/lease";
import { persistAllPending, persistSkuEvents } from "../lib/ledger";
import { finishStalledCheckout } from "../lib/orders";
import { expireDueReservations } from "../lib/reservations";
import type { SidecarMetrics } from "./metrics";

export interface WorkerOptions {
  /** How often due holds are looked for: holds must end within about a second of their deadline. */
  expiryIntervalMs?: number;
  /** How often SKUs with new events are copied to the ledger. */
  persistIntervalMs?: number;
  /** How often one sidecar sweeps every SKU for events the dirty list missed (restart, lost message). */
  sweepIntervalMs?: number;
  metrics?: Pick<SidecarMetrics, "expiredHolds" | "eventsPersisted" | "workerErrors">;
  log?: (message: string) => void;
}

/** What the loops have done since start (for metrics, logs and tests). */
export interface WorkerCounters {
  holdsExpired: number;
  checkoutsRecovered: number;
  eventsPersisted: number;
  sweeps: number;
  errors: number;
}

export interface Workers {
  counters: WorkerCounters;
  stop(): Promise<void>;
}

const ERROR_LOG_INTERVAL_MS = 60_000;
const PERSIST_CONCURRENCY = 8;

/** Start hold expiry and the ledger persister; stop() waits for runs in flight. */
export function startWorkers(deps: Deps, opts: WorkerOptions = {}): Workers {
  const log = opts.log ?? ((m: string) => console.error(m));
  const counters: WorkerCounters = { holdsExpired: 0, checkoutsRecovered: 0, eventsPersisted: 0, sweeps: 0, errors: 0 };
  const lastLogged = new Map<string, number>();

  function failed(loop: string, err: unknown) {
    counters.errors++;
    opts.metrics?.workerErrors.inc({ loop });
    // Postgres or Redis down: the loop retries every tick, the log says so once a minute.
    const now = Date.now();
    if (now - (lastLogged.get(loop) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    lastLogged.set(loop, now);
    log(`[workers:${loop}] ${err instanceof Error ? err.message : String(err)} (retrying; next report in a minute)`);
  }

  const loops: Loop[] = [];

  loops.push(
    every(opts.expiryIntervalMs ?? 250, async () => {
      const sweep = await expireDueReservations(deps, (id) => finishStalledCheckout(deps, id));
      counters.holdsExpired += sweep.expired;
      counters.checkoutsRecovered += sweep.recovered;
      if (sweep.expired) opts.metrics?.expiredHolds.inc(sweep.expired);
    }, (err) => failed("expiry", err)),
  );

  const dirty = new Set<string>();
  const subscriber: Redis = deps.redis.duplicate();
  subscriber.on("error", () => {}); // reconnects by itself; failed runs are reported by the loops
  subscriber.on("message", (channel: string, message: string) => {
    if (channel !== deps.keys.eventsChannel) return;
    const sku = skuOf(message);
    if (sku) dirty.add(sku);
  });
  const subscribed = subscriber.subscribe(deps.keys.eventsChannel).catch((err: unknown) => failed("persist", err));

  const recordPersisted = (n: number) => {
    counters.eventsPersisted += n;
    if (n) opts.metrics?.eventsPersisted.inc(n);
  };

  loops.push(
    every(opts.persistIntervalMs ?? 100, async () => {
      const skus = [...dirty];
      dirty.clear();
      let failure: unknown = null;
      // A few SKUs at a time: a busy catalog dirties hundreds per tick, one by one would fall behind.
      for (let i = 0; i < skus.length; i += PERSIST_CONCURRENCY) {
        await Promise.all(
          skus.slice(i, i + PERSIST_CONCURRENCY).map(async (sku) => {
            try {
              recordPersisted(await persistSkuEvents(deps, sku));
            } catch (err) {
              dirty.add(sku);
              failure ??= err;
            }
          }),
        );
      }
      if (failure) throw failure;
    }, (err) => failed("persist", err)),
  );

  const sweepEvery = opts.sweepIntervalMs ?? 5_000;
  const lease = createLease(deps.redis, deps.keys.lease("persist-sweep"), sweepEvery * 6);
  loops.push(
    every(sweepEvery, async () => {
      if (!(await lease.acquire())) return;
      try {
        recordPersisted(await persistAllPending(deps));
        counters.sweeps++;
      } finally {
        await lease.release();
      }
    }, (err) => failed("sweep", err), { runAtStart: true }),
  );

  return {
    counters,
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await subscribed;
      subscriber.disconnect();
    },
  };
}

/** Events in Redis streams not yet in the ledger, summed over every SKU (the persister's lag). */
export async function pendingLedgerEvents(deps: Deps): Promise<number> {
  const skus = await knownSkus(deps);
  if (skus.length === 0) return 0;
  const pipeline = deps.redis.pipeline();
  for (const sku of skus) pipeline.hmget(deps.keys.stock(sku), "version", "persisted");
  let pending = 0;
  for (const [err, reply] of (await pipeline.exec()) ?? []) {
    if (err) continue;
    const [version, persisted] = reply as (string | null)[];
    pending += Math.max(0, Number(version ?? 0) - Number(persisted ?? 0));
  }
  return pending;
}

export interface Loop {
  stop(): Promise<void>;
}

/** Run a task every intervalMs, never two runs at once; a failed run is reported and retried next tick. */
export function every(intervalMs: number, task: () => Promise<void>, onError: (err: unknown) => void, opts: { runAtStart?: boolean } = {}): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () => {
    const started = Date.now();
    running = task()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
      });
  };
  timer = setTimeout(tick, opts.runAtStart ? 0 : intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function skuOf(message: string): string | null {
  try {
    const event: unknown = JSON.parse(message);
    if (typeof event === "object" && event !== null && "sku" in event && typeof event.sku === "string" && SKU_PATTERN.test(event.sku)) {
      return event.sku;
    }
  } catch {
    // not an event: ignore
  }
  return null;
}
