// What the gateway's files share: its dependencies, the typed server, socket and namespace,
// the data each kind of socket carries, the room names and the invalid-request reply.
import type { Redis } from "ioredis";
import type { Namespace, Server, Socket } from "socket.io";
import type { StaffGrant, StaffPrincipal } from "../../lib/auth";
import type { Deps } from "../../lib/core/deps";
import type { RedisKeys } from "../../lib/core/keys";
import type {
  AdminClientToServerEvents,
  AdminServerToClientEvents,
  ClientToServerEvents,
  Response,
  ServerToClientEvents,
} from "../../lib/shared/protocol";
import type { PropagationWindow, SidecarMetrics } from "../metrics";
import type { StockEventFeed } from "../../lib/events";

export interface GatewayDeps {
  /** Commands (snapshots); the adapter's own pub/sub connections are duplicated from it. */
  redis: Redis;
  /** A connection of its own for the events channel (a subscribed client can run nothing else); unused when `feed` is given. */
  subscriber: Redis;
  /** The process's one subscription to stock events (lib/events/feed.ts), shared with the workers. */
  feed?: StockEventFeed;
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
export type StockSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
export type AdminNamespace = Namespace<AdminClientToServerEvents, AdminServerToClientEvents>;

export const skuRoom = (sku: string) => `sku:${sku}`;
export const saleRoom = (saleId: string) => `sale:${saleId}`;
export const ticketRoom = (ticket: string) => `ticket:${ticket}`;

export interface AdminSocketData {
  /** Who opened the admin socket. */
  staff?: StaffPrincipal;
  /** What they opened it with, checked again every adminRecheckMs. */
  grant?: StaffGrant;
}

export interface SocketData {
  /** saleId -> ticket watched on this socket ("" for the sale alone). */
  watching?: Map<string, string>;
}

export function invalid(message: string): Response<never> {
  return { ok: false, error: { code: "invalid_request", message } };
}
