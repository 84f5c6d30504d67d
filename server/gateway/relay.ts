// Stock events from Redis Pub/Sub to sockets: parseStockEvent validates a message, and
// createStockRelay coalesces each SKU's changes into frames for its room on this instance
// (io.local), mirrors every event to /admin, and records the relay and propagation metrics.
import type { StockEvent, StockEventType } from "../../lib/types";
import { SKU_PATTERN } from "../../lib/keys";
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
      const event = parseStockEvent(message);
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

const EVENT_TYPES = new Set<StockEventType>(["hold", "release", "expire", "sale", "adjust", "restock", "channel", "set", "rebuild"]);

/** A Pub/Sub message as a stock event, or null when it is not one. */
export function parseStockEvent(message: string): StockEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const e = raw as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  const version = num(e.version);
  const available = num(e.available);
  const at = num(e.at);
  if (typeof e.sku !== "string" || !SKU_PATTERN.test(e.sku) || version === null || available === null || at === null) return null;
  if (typeof e.type !== "string" || !EVENT_TYPES.has(e.type as StockEventType)) return null;
  return {
    type: e.type as StockEventType,
    sku: e.sku,
    location: text(e.location) ?? "main",
    delta: num(e.delta) ?? 0,
    onHand: num(e.onHand) ?? 0,
    reserved: num(e.reserved) ?? 0,
    safety: num(e.safety) ?? 0,
    available,
    version,
    // The Lua scripts publish "" for absent values; the domain type says null.
    reason: text(e.reason),
    source: text(e.source) ?? "unknown",
    actor: text(e.actor),
    reservationId: text(e.reservationId),
    at,
  };
}
