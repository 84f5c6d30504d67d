// One subscription to the stock events channel per process, fanned out in-process: the sidecar's
// gateway, ledger persister, alert raiser and webhook worker each listen here instead of holding
// a Redis connection of their own. A listener that throws is reported and does not stop the
// others.
import type { Redis } from "ioredis";
import { createSubscriber } from "../core/redis";

export type StockEventListener = (message: string) => void;

export interface StockEventFeed {
  /** Every message on the channel, raw (decode with decodeStockEvent); returns how to stop. */
  listen(listener: StockEventListener): () => void;
  /** Resolves once the subscription is in place (a failure goes to `onError` and resolves too). */
  readonly ready: Promise<void>;
}

export interface OwnedStockEventFeed extends StockEventFeed {
  /** Unsubscribe and, when the feed opened its own connection, close it. */
  close(): Promise<void>;
}

/** A feed on `subscriber` (a connection in subscriber mode), or on a new one duplicated from `redis`. */
export function createStockEventFeed(
  source: { subscriber: Redis } | { redis: Redis },
  channel: string,
  onError: (err: unknown) => void = () => {},
): OwnedStockEventFeed {
  const owned = !("subscriber" in source);
  const subscriber = "subscriber" in source ? source.subscriber : createSubscriber(source.redis);
  if (owned) subscriber.on("error", () => {}); // reconnects by itself; the readers report failed runs
  const listeners = new Set<StockEventListener>();
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    for (const listener of listeners) {
      try {
        listener(message);
      } catch (err) {
        onError(err);
      }
    }
  };
  subscriber.on("message", onMessage);
  const ready = subscriber.subscribe(channel).then(
    () => undefined,
    (err: unknown) => onError(err),
  );
  return {
    ready,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      subscriber.off("message", onMessage);
      await ready;
      if (owned) subscriber.disconnect();
      else await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
