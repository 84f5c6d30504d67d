// The realtime gateway: browsers subscribe to SKUs and receive each SKU's newest availability.
// Every sidecar instance subscribes to the stock events channel itself, so each one emits
// only to its own sockets (io.local); the Redis adapter carries what must cross instances.
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";
import { Server, type Namespace, type Socket } from "socket.io";
import { admitStaffSocket, stillGranted, type StaffGrant, type StaffPrincipal } from "../lib/auth";
import type { Deps } from "../lib/context";
import { availabilityOf } from "../lib/inventory";
import { SALE_ID_PATTERN, SKU_PATTERN, type RedisKeys } from "../lib/keys";
import { createSubscriber, redisNow } from "../lib/redis";
import { markPresent, queueSnapshot, TICKET_PATTERN, type QueueFrame, type QueueSnapshot } from "../lib/sales";
import {
  MAX_SUBSCRIBED_SKUS,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClientToServerEvents,
  type Response,
  type ServerToClientEvents,
} from "../lib/realtime/protocol";
import type { AdminAlert } from "../lib/alerts";
import type { Availability, StockEvent, StockEventType } from "../lib/types";
import type { PropagationWindow, SidecarMetrics } from "./metrics";

export interface GatewayDeps {
  /** Commands (snapshots); the adapter's own pub/sub connections are duplicated from it. */
  redis: Redis;
  /** A connection of its own for the events channel: a subscribed client can run nothing else. */
  subscriber: Redis;
  keys: RedisKeys;
  /** For availability snapshots. */
  deps: Deps;
  allowedOrigins: string[];
  /** Window in which changes of one SKU are merged into one frame; 0 emits every change at once. */
  coalesceMs: number;
  /**
   * ADMIN_API_TOKEN: opens /admin as an admin. Besides it, /admin accepts API tokens and staff
   * sessions (the `sw_staff` cookie), checked in Postgres through `deps.db`.
   */
  adminToken?: string;
  metrics?: Pick<SidecarMetrics, "connectedSockets" | "eventsRelayed" | "emitPropagation">;
  /** Recent propagation samples (the overview's p50/p99); the histogram alone cannot forget old ones. */
  propagation?: PropagationWindow;
  /** How often connected waiting shoppers' places are marked present (they lapse after the sale's grace). */
  presenceIntervalMs?: number;
  /** How often each /admin socket's session or token is checked again (default 5 s). */
  adminRecheckMs?: number;
}

export type StockServer = Server<ClientToServerEvents, ServerToClientEvents>;
type StockSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type AdminNamespace = Namespace<AdminClientToServerEvents, AdminServerToClientEvents>;

export const skuRoom = (sku: string) => `sku:${sku}`;
export const saleRoom = (saleId: string) => `sale:${saleId}`;
export const ticketRoom = (ticket: string) => `ticket:${ticket}`;

/** Most sales one socket may watch at once. */
const MAX_WATCHED_SALES = 5;

interface AdminSocketData {
  /** Who opened the admin socket. */
  staff?: StaffPrincipal;
  /** What they opened it with, checked again every adminRecheckMs. */
  grant?: StaffGrant;
}

interface SocketData {
  /** saleId -> ticket watched on this socket ("" for the sale alone). */
  watching?: Map<string, string>;
}

const cleanups = new WeakMap<StockServer, () => Promise<void>>();

/** Build the Socket.IO server on an HTTP server; stop it with closeApplication(io). */
export function createApplication(httpServer: HttpServer, deps: GatewayDeps): StockServer {
  const allowed = new Set(deps.allowedOrigins);
  const io: StockServer = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    cors: { origin: deps.allowedOrigins, methods: ["GET", "POST"] },
    // CORS headers only stop browsers; this refuses cross-origin handshakes from any client.
    allowRequest: (req, callback) => callback(null, originAllowed(req, allowed)),
    // Frames are tens of bytes: compression costs more CPU and memory per socket than it saves.
    perMessageDeflate: false,
    httpCompression: false,
  });

  // No auto-pipelining: ioredis would hold back the adapter's PUNSUBSCRIBE at close (its list of
  // commands never to batch misspells it), and the disconnect would then reject it unhandled.
  const adapterPub = deps.redis.duplicate({ enableAutoPipelining: false });
  const adapterSub = createSubscriber(deps.redis);
  // They reconnect by themselves; the commands client already logs an outage.
  for (const client of [adapterPub, adapterSub]) client.on("error", () => {});
  io.adapter(createAdapter(adapterPub, adapterSub, { key: `${deps.keys.eventsChannel}:socket.io` }));

  io.on("connection", (socket: StockSocket) => {
    deps.metrics?.connectedSockets.inc({ namespace: "/" });
    socket.on("disconnect", () => deps.metrics?.connectedSockets.dec({ namespace: "/" }));

    socket.on("subscribe", async (payload: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as (res: Response<Availability[]>) => void) : () => {};
      const skus = parseSkuList(payload);
      if (typeof skus === "string") return reply(invalid(skus));
      const joined = subscribedSkus(socket);
      const added = skus.filter((sku) => !joined.has(sku));
      if (joined.size + added.length > MAX_SUBSCRIBED_SKUS) {
        return reply(invalid(`A socket may watch at most ${MAX_SUBSCRIBED_SKUS} SKUs; it watches ${joined.size}.`));
      }
      // Join before reading the snapshot: a change in between then arrives as a frame, never lost.
      socket.join(skus.map(skuRoom));
      try {
        reply({ ok: true, data: await availabilityOf(deps.deps, skus) });
      } catch (err) {
        console.error("[gateway] snapshot failed:", err instanceof Error ? err.message : err);
        reply({ ok: false, error: { code: "unavailable", message: "Stock levels are unavailable right now; retry shortly." } });
      }
    });

    socket.on("unsubscribe", (payload: unknown) => {
      const skus = parseSkuList(payload);
      if (typeof skus === "string") return;
      for (const sku of skus) socket.leave(skuRoom(sku));
    });

    socket.on("queue:watch", async (payload: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as (res: Response<QueueSnapshot>) => void) : () => {};
      const watch = parseWatch(payload);
      if (typeof watch === "string") return reply(invalid(watch));
      const watching = watchedSales(socket);
      if (!watching.has(watch.saleId) && watching.size >= MAX_WATCHED_SALES) {
        return reply(invalid(`A socket may watch at most ${MAX_WATCHED_SALES} sales.`));
      }
      const previous = watching.get(watch.saleId);
      if (previous && previous !== watch.ticket) socket.leave(ticketRoom(previous));
      // Join first: a tick between the snapshot and the join would otherwise be missed.
      socket.join(watch.ticket ? [saleRoom(watch.saleId), ticketRoom(watch.ticket)] : [saleRoom(watch.saleId)]);
      watching.set(watch.saleId, watch.ticket);
      try {
        reply({ ok: true, data: await queueSnapshot(deps.deps, watch.saleId, watch.ticket || null, true) });
      } catch (err) {
        socket.leave(saleRoom(watch.saleId));
        if (watch.ticket) socket.leave(ticketRoom(watch.ticket));
        watching.delete(watch.saleId);
        const notFound = err instanceof Error && "code" in err && err.code === "not_found";
        if (!notFound) console.error("[gateway] queue snapshot failed:", err instanceof Error ? err.message : err);
        reply({
          ok: false,
          error: notFound
            ? { code: "not_found", message: "No such sale." }
            : { code: "unavailable", message: "The queue is unavailable right now; retry shortly." },
        });
      }
    });

    socket.on("queue:unwatch", (payload: unknown) => {
      const saleId = typeof payload === "object" && payload !== null && "saleId" in payload ? payload.saleId : null;
      if (typeof saleId !== "string") return;
      const watching = watchedSales(socket);
      const ticket = watching.get(saleId);
      if (ticket === undefined) return;
      socket.leave(saleRoom(saleId));
      if (ticket) socket.leave(ticketRoom(ticket));
      watching.delete(saleId);
      if (ticket) void touch(saleId, [ticket]);
    });

    socket.on("disconnect", () => {
      // The grace period of a shopper who closed the page starts now.
      for (const [saleId, ticket] of watchedSales(socket)) if (ticket) void touch(saleId, [ticket]);
    });
  });

  async function touch(saleId: string, tickets: string[]): Promise<void> {
    try {
      await markPresent(deps.deps, saleId, tickets, await redisNow(deps.redis));
    } catch (err) {
      console.error("[gateway] presence update failed:", err instanceof Error ? err.message : err);
    }
  }

  // Connected waiting shoppers keep their place: one batched write per sale per interval.
  const presenceTimer = setInterval(() => {
    const bySale = new Map<string, string[]>();
    for (const socket of io.of("/").sockets.values()) {
      for (const [saleId, ticket] of watchedSales(socket as StockSocket)) {
        if (!ticket) continue;
        let list = bySale.get(saleId);
        if (!list) bySale.set(saleId, (list = []));
        list.push(ticket);
      }
    }
    for (const [saleId, tickets] of bySale) void touch(saleId, tickets);
  }, deps.presenceIntervalMs ?? 30_000);
  presenceTimer.unref();

  const admin: AdminNamespace = io.of("/admin");
  admin.use((socket, next) => {
    // `auth.token` (ADMIN_API_TOKEN or an API token), or else the back-office session cookie the
    // browser sends with the handshake (cookies are per host, not per port).
    const handshake = { token: socket.handshake.auth?.token as unknown, cookieHeader: socket.handshake.headers.cookie };
    admitStaffSocket(handshake, "merchandiser", { deps: deps.deps, adminApiToken: deps.adminToken }).then(
      (admitted) => {
        if (!admitted) return next(new Error("unauthorized"));
        Object.assign(socket.data as AdminSocketData, admitted);
        next();
      },
      (err: unknown) => {
        console.error("[gateway] cannot check an /admin handshake:", err instanceof Error ? err.message : err);
        next(new Error("unavailable"));
      },
    );
  });
  admin.on("connection", (socket) => {
    deps.metrics?.connectedSockets.inc({ namespace: "/admin" });
    socket.on("disconnect", () => deps.metrics?.connectedSockets.dec({ namespace: "/admin" }));
  });

  // The handshake is checked once; logout, a disabled user or a revoked token must also end a
  // socket that is already open. One batched look-up per interval for all of this instance's sockets.
  let rechecking = false;
  const adminRecheckTimer = setInterval(() => {
    if (rechecking || admin.sockets.size === 0) return;
    rechecking = true;
    const held = [...admin.sockets.values()].flatMap((socket) => {
      const { grant } = socket.data as AdminSocketData;
      return grant ? [{ socket, grant }] : [];
    });
    stillGranted(held.map((h) => h.grant), "merchandiser", { deps: deps.deps })
      .then((valid) => {
        for (const [i, { socket }] of held.entries()) if (!valid[i]) socket.disconnect();
      })
      // A database outage keeps open sockets open: nothing can be revoked while it lasts.
      .catch((err: unknown) => console.error("[gateway] cannot re-check /admin sockets:", err instanceof Error ? err.message : err))
      .finally(() => {
        rechecking = false;
      });
  }, deps.adminRecheckMs ?? 5_000);
  adminRecheckTimer.unref();

  const relay = createStockRelay(io, admin, deps);
  const onMessage = (channel: string, message: string) => {
    if (channel === deps.keys.eventsChannel) relay.receive(message);
  };
  deps.subscriber.on("message", onMessage);
  const subscribed = deps.subscriber.subscribe(deps.keys.eventsChannel).catch((err: unknown) => {
    console.error("[gateway] cannot subscribe to stock events:", err instanceof Error ? err.message : err);
  });

  cleanups.set(io, async () => {
    relay.stop();
    clearInterval(presenceTimer);
    clearInterval(adminRecheckTimer);
    deps.subscriber.off("message", onMessage);
    await subscribed;
    await deps.subscriber.unsubscribe(deps.keys.eventsChannel).catch(() => {});
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.all([adapterPub.quit(), adapterSub.quit()]).catch(() => {});
  });
  return io;
}

/** Broadcast an admission tick to everyone watching the sale, on every sidecar (through the adapter). */
export function broadcastQueueFrame(io: StockServer, frame: QueueFrame): void {
  io.to(saleRoom(frame.saleId)).emit("queue", frame);
}

/** Tell the admitted tickets' own sockets (on any sidecar) that their turn has come. */
export function notifyAdmitted(io: StockServer, saleId: string, tickets: string[], deadline: number): void {
  if (tickets.length === 0) return;
  io.to(tickets.map(ticketRoom)).emit("queue:admitted", { saleId, deadline });
}

/** Push a newly raised alert to every back-office socket, on every sidecar (through the adapter). */
export function broadcastAlert(io: StockServer, alert: AdminAlert): void {
  const admin: AdminNamespace = io.of("/admin");
  admin.emit("alert", alert);
}

/** Unsubscribe from stock events, stop the flush timer, close every socket and the HTTP server. */
export async function closeApplication(io: StockServer): Promise<void> {
  const cleanup = cleanups.get(io);
  cleanups.delete(io);
  if (cleanup) await cleanup();
  else await new Promise<void>((resolve) => io.close(() => resolve()));
}

/**
 * At most one frame per SKU per coalesceMs, without delaying a lone change: a change to a SKU
 * that has been quiet for a window goes out at once (leading edge); changes inside the window
 * are merged, the highest version wins, and go out when it ends. Never emits a version at or
 * below one already emitted, so a client can only move forward.
 */
function createStockRelay(io: StockServer, admin: AdminNamespace, deps: GatewayDeps) {
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

/** The payload's SKU codes, de-duplicated, or a message saying what is wrong with it. */
function parseSkuList(payload: unknown): string[] | string {
  if (typeof payload !== "object" || payload === null || !("skus" in payload)) return "Send { skus: [\"SKU-CODE\", ...] }.";
  const skus: unknown = payload.skus;
  if (!Array.isArray(skus)) return "skus must be an array of SKU codes.";
  if (skus.length > MAX_SUBSCRIBED_SKUS) return `At most ${MAX_SUBSCRIBED_SKUS} SKUs per request.`;
  const out = new Set<string>();
  for (const sku of skus) {
    if (typeof sku !== "string" || !SKU_PATTERN.test(sku)) {
      return `${JSON.stringify(sku)?.slice(0, 80) ?? "undefined"} is not a valid SKU code.`;
    }
    out.add(sku);
  }
  return [...out];
}

function watchedSales(socket: StockSocket): Map<string, string> {
  const data = socket.data as SocketData;
  data.watching ??= new Map();
  return data.watching;
}

/** A queue:watch payload, or a message saying what is wrong with it. */
function parseWatch(payload: unknown): { saleId: string; ticket: string } | string {
  if (typeof payload !== "object" || payload === null) return "Send { saleId, ticket? }.";
  const { saleId, ticket } = payload as Record<string, unknown>;
  if (typeof saleId !== "string" || !SALE_ID_PATTERN.test(saleId) || saleId.length > 64) return "saleId is not a valid sale id.";
  if (ticket !== undefined && (typeof ticket !== "string" || !TICKET_PATTERN.test(ticket))) return "ticket is not a valid ticket id.";
  return { saleId, ticket: (ticket as string | undefined) ?? "" };
}

function subscribedSkus(socket: StockSocket): Set<string> {
  const out = new Set<string>();
  for (const room of socket.rooms) if (room.startsWith("sku:")) out.add(room.slice(4));
  return out;
}

function invalid(message: string): Response<never> {
  return { ok: false, error: { code: "invalid_request", message } };
}

function originAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const origin = req.headers.origin;
  return typeof origin === "string" && allowed.has(origin);
}
