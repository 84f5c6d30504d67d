// The flash-sale queue over sockets: `queue:watch`/`queue:unwatch` join a sale's and a ticket's
// rooms, connected waiting shoppers are kept present, and admission ticks (broadcastQueueFrame)
// and turns (notifyAdmitted) go out to those rooms on every sidecar.
import { SALE_ID_PATTERN } from "../../lib/core/keys";
import { redisNow } from "../../lib/core/redis";
import type { Response } from "../../lib/shared/protocol";
import { markPresent, queueSnapshot, TICKET_PATTERN, type QueueFrame, type QueueSnapshot } from "../../lib/sales";
import { invalid, saleRoom, ticketRoom, type GatewayDeps, type SocketData, type StockServer, type StockSocket } from "./types";
import { logFor } from "../../lib/core/log";

const logger = logFor("gateway");

/** Most sales one socket may watch at once. */
const MAX_WATCHED_SALES = 5;

/** Handle `queue:watch` and `queue:unwatch` on one browser socket, and mark its tickets at disconnect. */
export function registerQueueHandlers(socket: StockSocket, deps: GatewayDeps): void {
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
      if (!notFound) logger.error("[gateway] queue snapshot failed:", err instanceof Error ? err.message : err);
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
    if (ticket) void touch(deps, saleId, [ticket]);
  });

  socket.on("disconnect", () => {
    // The grace period of a shopper who closed the page starts now.
    for (const [saleId, ticket] of watchedSales(socket)) if (ticket) void touch(deps, saleId, [ticket]);
  });
}

/** Start marking this instance's waiting shoppers present; returns what stops it. */
export function startPresence(io: StockServer, deps: GatewayDeps): () => void {
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
    for (const [saleId, tickets] of bySale) void touch(deps, saleId, tickets);
  }, deps.presenceIntervalMs ?? 30_000);
  presenceTimer.unref();
  return () => clearInterval(presenceTimer);
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

async function touch(deps: GatewayDeps, saleId: string, tickets: string[]): Promise<void> {
  try {
    await markPresent(deps.deps, saleId, tickets, await redisNow(deps.redis));
  } catch (err) {
    logger.error("[gateway] presence update failed:", err instanceof Error ? err.message : err);
  }
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
