// createApplication builds the Socket.IO server on an HTTP server: origin checks, the Redis
// adapter, the stock and queue handlers, /admin and the stock relay on the events channel;
// closeApplication undoes all of it.
import { randomUUID } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import { createSubscriber } from "../../lib/core/redis";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/shared/protocol";
import { setupAdminNamespace } from "./admin-namespace";
import { registerQueueHandlers, startPresence } from "./queue-handlers";
import { createStockRelay } from "./relay";
import { registerStockHandlers } from "./stock-handlers";
import { limitHandshakes, originAllowed } from "./guards";
import type { GatewayDeps, StockServer, StockSocket } from "./types";
import { createStockEventFeed, type OwnedStockEventFeed } from "../../lib/events";
import { logFor } from "../../lib/core/log";

const logger = logFor("gateway");

const cleanups = new WeakMap<StockServer, () => Promise<void>>();

/** Build the Socket.IO server on an HTTP server; stop it with closeApplication(io). */
export function createApplication(httpServer: HttpServer, deps: GatewayDeps): StockServer {
  const allowed = new Set(deps.allowedOrigins);
  const io: StockServer = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    // The polling fallback's requests are cross-origin (another port): CORS lets the storefront's
    // pages read them; the back office's carry its session cookie (credentials).
    cors: { origin: deps.allowedOrigins, methods: ["GET", "POST"], credentials: true },
    // A browser's handshake from a foreign origin is refused; a client without Origin is not a browser (guards.ts).
    allowRequest: (req, callback) => callback(originAllowed(req, allowed) ? null : "origin_not_allowed", originAllowed(req, allowed)),
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

  io.use(limitHandshakes(deps));
  io.on("connection", (socket: StockSocket) => {
    deps.metrics?.connectedSockets.inc({ namespace: "/" });
    // An id of the connection's own for its log lines (never socket.id: it names the polling session).
    const connectionId = randomUUID();
    const started = Date.now();
    logger.pino.debug({ connectionId, transport: socket.conn.transport.name }, "socket connected");
    socket.on("disconnect", (reason) => {
      deps.metrics?.connectedSockets.dec({ namespace: "/" });
      logger.pino.debug({ connectionId, reason, durationMs: Date.now() - started }, "socket disconnected");
    });
    registerStockHandlers(socket, deps);
    registerQueueHandlers(socket, deps);
  });

  const stopPresence = startPresence(io, deps);
  const { admin, stop: stopAdminRecheck } = setupAdminNamespace(io, deps);

  const relay = createStockRelay(io, admin, deps);
  const feed =
    deps.feed ??
    createStockEventFeed({ subscriber: deps.subscriber }, deps.keys.eventsChannel, (err: unknown) => {
      logger.error("[gateway] stock events:", err instanceof Error ? err.message : err);
    });
  const stopListening = feed.listen((message) => relay.receive(message));

  cleanups.set(io, async () => {
    relay.stop();
    stopPresence();
    stopAdminRecheck();
    stopListening();
    if (!deps.feed) await (feed as OwnedStockEventFeed).close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await Promise.all([adapterPub.quit(), adapterSub.quit()]).catch(() => {});
  });
  return io;
}

/** Unsubscribe from stock events, stop the flush timer, close every socket and the HTTP server. */
export async function closeApplication(io: StockServer): Promise<void> {
  const cleanup = cleanups.get(io);
  cleanups.delete(io);
  if (cleanup) await cleanup();
  else await new Promise<void>((resolve) => io.close(() => resolve()));
}
