// The alert raiser: every sidecar listens to the stock events channel and opens a low-stock or
// sold-out alert when an event leaves a SKU at or under its threshold. No lease is needed: the
// partial unique index on open alerts makes raising idempotent, so when N sidecars try at once
// exactly one insert wins, and only that sidecar announces the alert (to every /admin socket,
// through the adapter). Also writes this sidecar's emit propagation summary for the overview.
import { hostname } from "node:os";
import { raiseAlertForEvent, type AdminAlert } from "../../lib/backoffice";
import { enqueueAlert } from "../../lib/webhooks";
import { writePropagationReport } from "../../lib/backoffice";
import type { Deps } from "../../lib/core/deps";
import type { StockEvent } from "../../lib/shared/types";
import { decodeStockEvent } from "../../lib/events";
import type { PropagationWindow } from "../metrics";
import { every, type Loop } from "./loop";
import { createStockEventFeed, type OwnedStockEventFeed, type StockEventFeed } from "../../lib/events";
import { logFor } from "../../lib/core/log";

const logger = logFor("alerts");

export interface AlertRaiserOptions {
  /** The process's one subscription to stock events (lib/events/feed.ts); without it, one of its own. */
  feed?: StockEventFeed;
  /** How often the events gathered since the last run are checked. */
  intervalMs?: number;
  /**
   * After a raise attempt for a SKU and kind, skip it this long: while an alert is open every
   * event of a low SKU would otherwise cost an insert that conflicts. An alert acknowledged in
   * the meantime is raised again at most this much later.
   */
  quietMs?: number;
  onRaised: (alert: AdminAlert) => void;
  log?: (message: string) => void;
}

const CONCURRENCY = 8;

/** Start raising alerts from stock events; stop() waits for the run in flight. */
export function startAlertRaiser(deps: Deps, opts: AlertRaiserOptions): Loop {
  const log = opts.log ?? ((m: string) => logger.error(m));
  const quietMs = opts.quietMs ?? 10_000;
  // Per SKU, the event with the least available since the last run: a sell-out followed by a
  // restock within one interval still raises its alert.
  const lowest = new Map<string, StockEvent>();
  const quietUntil = new Map<string, number>();
  let lastLogged = 0;

  const feed = opts.feed ?? createStockEventFeed({ redis: deps.redis }, deps.keys.eventsChannel, (err) => failed(err));
  const stopListening = feed.listen((message) => {
    const event = decodeStockEvent(message);
    if (!event) return;
    const seen = lowest.get(event.sku);
    if (!seen || event.available < seen.available) lowest.set(event.sku, event);
  });

  function failed(err: unknown) {
    const now = Date.now();
    if (now - lastLogged < 60_000) return;
    lastLogged = now;
    log(`[alerts] ${err instanceof Error ? err.message : String(err)} (retrying; next report in a minute)`);
  }

  async function check(event: StockEvent, now: number): Promise<void> {
    // The kind this event most likely calls for (the threshold is only known after a read).
    if ((quietUntil.get(`${event.sku}:${event.available <= 0 ? "sold_out" : "low_stock"}`) ?? 0) > now) return;
    const { kind, alert } = await raiseAlertForEvent(deps, event);
    if (kind) quietUntil.set(`${event.sku}:${kind}`, now + quietMs);
    if (!alert) return;
    opts.onRaised(alert);
    // Subscriptions that asked for alerts (the sidecar's webhook worker sends them, with retries).
    await enqueueAlert(deps, alert);
  }

  const loop = every(
    opts.intervalMs ?? 250,
    async () => {
      const events = [...lowest.values()];
      lowest.clear();
      const now = Date.now();
      for (const [key, until] of quietUntil) if (until <= now) quietUntil.delete(key);
      let failure: unknown = null;
      for (let i = 0; i < events.length; i += CONCURRENCY) {
        await Promise.all(
          events.slice(i, i + CONCURRENCY).map((event) =>
            check(event, now).catch((err: unknown) => {
              // Put it back unless a newer, lower one arrived meanwhile: retried next run.
              const seen = lowest.get(event.sku);
              if (!seen || event.available < seen.available) lowest.set(event.sku, event);
              failure ??= err;
            }),
          ),
        );
      }
      if (failure) throw failure;
    },
    failed,
  );

  return {
    async stop() {
      await loop.stop();
      stopListening();
      if (!opts.feed) await (feed as OwnedStockEventFeed).close();
    },
  };
}

/** This sidecar's name in the propagation hash: host and process id. */
export const SIDECAR_INSTANCE = `${hostname()}:${process.pid}`;

/** Every intervalMs, write this sidecar's recent emit propagation (p50/p99) to Redis for the overview. */
export function startPropagationReporter(
  deps: Deps,
  window: PropagationWindow,
  opts: { intervalMs?: number; instance?: string } = {},
): Loop {
  const instance = opts.instance ?? SIDECAR_INSTANCE;
  const toMs = (s: number | null) => (s === null ? null : Math.round(s * 10_000) / 10);
  return every(
    opts.intervalMs ?? 5_000,
    async () => {
      const now = Date.now();
      const s = window.summary(now);
      await writePropagationReport(deps, {
        instance,
        at: now,
        p50Ms: toMs(s.p50),
        p99Ms: toMs(s.p99),
        samples: s.samples,
        windowMs: s.windowMs,
      });
    },
    () => {}, // Redis down: the next run writes again; the overview shows the report as stale meanwhile
    { runAtStart: true },
  );
}
