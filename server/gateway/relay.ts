// Stock events from Redis Pub/Sub to sockets: decodeStockEvent (lib/events) validates a message, and
// createStockRelay coalesces each SKU's changes into frames for its room on this instance
// (io.local), mirrors every event to /admin, and records the relay and propagation metrics.
import { decodeStockEvent } from "../../lib/events";
import type { StockEvent } from "../../lib/shared/types";
import { skuRoom, type AdminNamespace, type GatewayDeps, type StockServer } from "./types";

/**
 * At most one frame per SKU per coalesceMs, without delaying a lone change: a change to a SKU
 * that has been quiet for a window goes out at once (leading edge); changes inside the window
 * are merged, the highest version wins, and go out when it ends. Never emits a version at or
 * below one already emitted, so a client can only move forward.
 */
export function createStockRelay(io: StockServer, admin: AdminNamespace, deps: GatewayDeps) {
  const pending = new Map<string, StockEvent>();
  const lastEmitted = new Map<string, { version: number; at: number }>();
  const metrics = deps.metrics;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function emit(event: StockEvent, now: number) {
    lastEmitted.set(event.sku, { version: event.version, at: now });
    metrics?.eventsRelayed.inc({ outcome: "emitted" });
    const room = skuRoom(event.sku);
    if (!io.of("/").adapter.rooms.has(room)) return;
    io.local.to(room).emit("stock", event.sku, Math.max(0, event.available), event.version);
    const seconds = Math.max(0, now - event.at) / 1000;
    metrics?.emitPropagation.observe(seconds);
    deps.propagation?.record(seconds, now);
  }

  function flush() {
    timer = undefined;
    const now = Date.now();
    for (const event of pending.values()) emit(event, now);
    pending.clear();
  }

  return {
    receive(message: string) {
      if (stopped) return;
      const event = decodeStockEvent(message);
      if (!event) {
        metrics?.eventsRelayed.inc({ outcome: "invalid" });
        return;
      }
      if (admin.sockets.size > 0) admin.local.emit("event", event);
      const last = lastEmitted.get(event.sku);
      if (event.version <= (last?.version ?? 0)) {
        metrics?.eventsRelayed.inc({ outcome: "stale" });
        return;
      }
      const queued = pending.get(event.sku);
      if (queued && queued.version >= event.version) {
        metrics?.eventsRelayed.inc({ outcome: "stale" });
        return;
      }
      const now = Date.now();
      if (!queued && (deps.coalesceMs <= 0 || !last || now - last.at >= deps.coalesceMs)) {
        emit(event, now);
        return;
      }
      if (queued) metrics?.eventsRelayed.inc({ outcome: "coalesced" });
      pending.set(event.sku, event);
      timer ??= setTimeout(flush, deps.coalesceMs);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending.clear();
    },
  };
}
