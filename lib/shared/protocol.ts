// The Socket.IO contract between the sidecar (server/) and browsers (components/).
// Both sides import these types; events are named `entity:verb` where they are commands.
import type { AdminAlert } from "../backoffice/alerts";
import type { QueueFrame, QueueSnapshot } from "../sales/model";
import type { Availability, StockEvent } from "./types";

/** Acknowledgement of a client command: data or a readable error. */
export type Response<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

/** Most SKUs one socket may watch at once (a catalog page shows every variant). */
export const MAX_SUBSCRIBED_SKUS = 500;

export interface ClientToServerEvents {
  subscribe: (payload: { skus: string[] }, ack: (res: Response<Availability[]>) => void) => void;
  unsubscribe: (payload: { skus: string[] }) => void;
  /**
   * Watch a flash sale (its room receives one `queue` frame per admission tick in which something
   * changed). With a ticket: the ack carries its exact place, the socket keeps the place alive
   * while connected, and `queue:admitted` arrives when its turn comes.
   */
  "queue:watch": (payload: { saleId: string; ticket?: string }, ack: (res: Response<QueueSnapshot>) => void) => void;
  "queue:unwatch": (payload: { saleId: string }) => void;
}

export interface ServerToClientEvents {
  /**
   * A SKU's new availability, as positional arguments so the frame stays small: on the wire it
   * is `42["stock","RUN-BLK-42",17,1234]` (about 35 bytes with the WebSocket header, sent to
   * every watcher of the SKU). Decode it with `stockFrame`.
   */
  stock: (sku: string, available: number, version: number) => void;
  /**
   * A sale's counters after an admission tick. A waiting client derives its own place from the
   * exact snapshot it got on watch: minus the shoppers admitted since (all were ahead of it), minus
   * the departed join sequences below its own. A tick that is not the last one + 1 means a frame
   * was missed: watch again for an exact snapshot.
   */
  queue: (frame: QueueFrame) => void;
  /** Sent to the admitted ticket's sockets only: fetch the admission token over HTTP (session-bound). */
  "queue:admitted": (payload: { saleId: string; deadline: number }) => void;
}

/** The authenticated /admin namespace streams every event in full. */
export interface AdminServerToClientEvents {
  event: (event: StockEvent) => void;
  /** A low-stock or sold-out alert just raised (sent once, by the sidecar whose insert won). */
  alert: (alert: AdminAlert) => void;
}

export type AdminClientToServerEvents = Record<string, never>;

/** The `stock` event's arguments as an availability record. */
export function stockFrame(sku: string, available: number, version: number): Availability {
  return { sku, available, version };
}
