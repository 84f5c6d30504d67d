// The Socket.IO contract between the sidecar (server/) and browsers (components/).
// Both sides import these types; events are named `entity:verb` where they are commands.
import type { Availability, StockEvent } from "../types";

/** Acknowledgement of a client command: data or a readable error. */
export type Response<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

/** Most SKUs one socket may watch at once (a catalog page shows every variant). */
export const MAX_SUBSCRIBED_SKUS = 500;

export interface ClientToServerEvents {
  subscribe: (payload: { skus: string[] }, ack: (res: Response<Availability[]>) => void) => void;
  unsubscribe: (payload: { skus: string[] }) => void;
}

export interface ServerToClientEvents {
  /** A SKU's new availability: small on purpose (tens of bytes per frame). */
  stock: (update: Availability) => void;
}

/** The authenticated /admin namespace streams every event in full. */
export interface AdminServerToClientEvents {
  event: (event: StockEvent) => void;
}

export type AdminClientToServerEvents = Record<string, never>;
