// Background loops of the sidecar: hold expiry and the ledger persister. Every sidecar runs
// them, and Redis leases keep any one job from being done by two sidecars at once:
// - ledger copy: per SKU, a lease held only while that SKU's stream entries are copied
//   (lib/ledger/persister.ts persistSkuEventsExclusively). Every sidecar hears every event; whichever
//   tick comes first copies it, the others find the lease taken (or the stream already trimmed).
//   Sharding SKUs over registered sidecars would also work but needs membership, heartbeats
//   and rebalancing; a lease per copy needs none of them and fails over by itself.
// - the catch-up sweep and the hold-expiry sweep: one sidecar at a time, the holder of a lease
//   it renews every run; if it dies, another takes over once the lease lapses. Expiry would be
//   correct without it (each hold is claimed by one atomic transition) but every sidecar would
//   read the same due holds and race on each of them, and look up stalled checkouts twice.
import type { Deps } from "../../lib/core/deps";
import { SKU_PATTERN } from "../../lib/core/keys";
import { createLease } from "../../lib/core/lease";
import type { AdminAlert } from "../../lib/backoffice";
import { persistAllPending, persistSkuEventsExclusively, type PersistClaim } from "../../lib/ledger";
import { enqueueAlert } from "../../lib/webhooks";
import { finishStalledCheckout } from "../../lib/orders";
import { expireDueReservations } from "../../lib/reservations";
import type { SidecarMetrics } from "../metrics";
import { createStockEventFeed, type OwnedStockEventFeed, type StockEventFeed } from "../../lib/events";
import { type Loop, every } from "./loop";
import { logFor } from "../../lib/core/log";

const logger = logFor("holds-and-ledger");

export interface WorkerOptions {
  /** The process's one subscription to stock events (lib/events/feed.ts); without it, one of its own. */
  feed?: StockEventFeed;
  /** How often due holds are looked for: holds must end within about a second of their deadline. */
  expiryIntervalMs?: number;
  /** How often SKUs with new events are copied to the ledger. */
  persistIntervalMs?: number;
  /** How often one sidecar sweeps every SKU for events the dirty list missed (restart, lost message, crashed sidecar). */
  sweepIntervalMs?: number;
  /** A SKU's copy lease lapses this long after its holder stopped renewing it (a sidecar died mid-copy). */
  persistLeaseMs?: number;
  metrics?: Pick<SidecarMetrics, "expiredHolds" | "eventsPersisted" | "workerErrors">;
  log?: (message: string) => void;
  /** Told of an alert opened because the persister quarantined a SKU's events (the sidecar pushes it to /admin). */
  onAlert?: (alert: AdminAlert) => void;
}

/** What the loops have done since start (for metrics, logs and tests). */
export interface WorkerCounters {
  holdsExpired: number;
  checkoutsRecovered: number;
  /** Events written to the ledger by this sidecar. */
  eventsPersisted: number;
  /** Events this sidecar sent to Postgres (written or skipped as duplicates): its share of the copy work. */
  eventsCopied: number;
  /** SKU copies skipped because another sidecar was copying that SKU. */
  persistSkipped: number;
  /** Events this sidecar put in the ledger's quarantine (refused by Postgres, or a version collision). */
  eventsQuarantined: number;
  /** Expiry sweeps this sidecar ran (it held the expiry lease). */
  expirySweeps: number;
  sweeps: number;
  errors: number;
}

export interface Workers {
  counters: WorkerCounters;
  /**
   * Stop the loops, waiting for runs in flight, and give the sweep leases back so another sidecar
   * takes over at once; `releaseLeases: false` keeps them (tests: what a crash leaves behind).
   */
  stop(opts?: { releaseLeases?: boolean }): Promise<void>;
}

const ERROR_LOG_INTERVAL_MS = 60_000;
const PERSIST_CONCURRENCY = 8;

/** Start hold expiry and the ledger persister; stop() waits for runs in flight. */
export function startWorkers(deps: Deps, opts: WorkerOptions = {}): Workers {
  const log = opts.log ?? ((m: string) => logger.error(m));
  const counters: WorkerCounters = {
    holdsExpired: 0,
    checkoutsRecovered: 0,
    eventsPersisted: 0,
    eventsCopied: 0,
    persistSkipped: 0,
    eventsQuarantined: 0,
    expirySweeps: 0,
    sweeps: 0,
    errors: 0,
  };
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

  const expiryEvery = opts.expiryIntervalMs ?? 250;
  // Short, so a dead holder's holds still end about a second late at most.
  const expiryLease = createLease(deps.redis, deps.keys.lease("expiry-sweep"), Math.max(1_000, expiryEvery * 4));
  loops.push(
    every(
      expiryEvery,
      async () => {
        if (!(await expiryLease.acquire())) return;
        counters.expirySweeps++;
        const sweep = await expireDueReservations(deps, (id) => finishStalledCheckout(deps, id));
        counters.holdsExpired += sweep.expired;
        counters.checkoutsRecovered += sweep.recovered;
        if (sweep.expired) opts.metrics?.expiredHolds.inc(sweep.expired);
      },
      (err) => failed("expiry", err),
    ),
  );

  const dirty = new Set<string>();
  const feed = opts.feed ?? createStockEventFeed({ redis: deps.redis }, deps.keys.eventsChannel, (err) => failed("persist", err));
  const stopListening = feed.listen((message) => {
    const sku = skuOf(message);
    if (sku) dirty.add(sku);
  });

  const recordPersisted = (n: number) => {
    counters.eventsPersisted += n;
    if (n) opts.metrics?.eventsPersisted.inc(n);
  };
  const claim: PersistClaim = {
    ttlMs: opts.persistLeaseMs ?? 5_000,
    onBatch: (n) => (counters.eventsCopied += n),
    onQuarantined: (sku, n, alert) => {
      counters.eventsQuarantined += n;
      log(`[workers:persist] ${n} event(s) of ${sku} held in the ledger quarantine; later events keep flowing (see the back office)`);
      if (alert) {
        opts.onAlert?.(alert);
        // Subscriptions that asked for alerts get it too, as low-stock ones (sent by the webhook worker).
        void enqueueAlert(deps, alert).catch((err: unknown) => failed("persist", err));
      }
    },
  };

  loops.push(
    every(
      opts.persistIntervalMs ?? 100,
      async () => {
        const skus = [...dirty];
        dirty.clear();
        let failure: unknown = null;
        // A few SKUs at a time: a busy catalog dirties hundreds per tick, one by one would fall behind.
        for (let i = 0; i < skus.length; i += PERSIST_CONCURRENCY) {
          await Promise.all(
            skus.slice(i, i + PERSIST_CONCURRENCY).map(async (sku) => {
              try {
                const written = await persistSkuEventsExclusively(deps, sku, claim);
                // Taken: the holder heard the same events and copies them (or the sweep does, if it died).
                if (written === null) counters.persistSkipped++;
                else recordPersisted(written);
              } catch (err) {
                dirty.add(sku);
                failure ??= err;
              }
            }),
          );
        }
        if (failure) throw failure;
      },
      (err) => failed("persist", err),
    ),
  );

  const sweepEvery = opts.sweepIntervalMs ?? 5_000;
  // Kept by its holder (renewed every run) so one sidecar sweeps; a dead one is replaced after it lapses.
  const sweepLease = createLease(deps.redis, deps.keys.lease("persist-sweep"), sweepEvery * 3);
  loops.push(
    every(
      sweepEvery,
      async () => {
        if (!(await sweepLease.acquire())) return;
        recordPersisted(await persistAllPending(deps, claim));
        counters.sweeps++;
      },
      (err) => failed("sweep", err),
      { runAtStart: true },
    ),
  );

  return {
    counters,
    async stop({ releaseLeases = true } = {}) {
      await Promise.all(loops.map((l) => l.stop()));
      stopListening();
      if (!opts.feed) await (feed as OwnedStockEventFeed).close();
      if (releaseLeases) {
        await Promise.all([expiryLease, sweepLease].filter((l) => l.held).map((l) => l.release().catch(() => {})));
      }
    },
  };
}

/** Events in Redis streams not yet in the ledger (lib/ledger/persister.ts: /api/health reads it too). */
export { pendingLedgerEvents } from "../../lib/ledger";

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
