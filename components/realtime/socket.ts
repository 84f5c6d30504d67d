// The one Socket.IO connection of this browser tab. Every live component shares it through
// useLiveStock; nothing else opens sockets.
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/shared/protocol";

export type StockSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: StockSocket | null = null;

/** The sidecar's URL as this page sees it: the configured one, or the page's host on the realtime port. */
export function realtimeUrlFor(configured: string | null, port: number): string {
  if (configured) return configured;
  return `${window.location.protocol}//${window.location.hostname}:${port}`;
}

/** The tab's socket, created (and connected) on first use. */
export function getStockSocket(url: string): StockSocket {
  if (socket) return socket;
  const created: StockSocket = io(url, STOCK_SOCKET_OPTIONS);
  retryWhenRefused(created);
  socket = created;
  return created;
}

/**
 * A connection the sidecar refused (too many from this address: `rate_limited`, with the wait) is
 * not retried by Socket.IO itself; try again after the wait, spread by ±50 % like the reconnects.
 */
export function retryWhenRefused(s: {
  active: boolean;
  connect(): unknown;
  on(event: "connect_error", fn: (err: Error & { data?: unknown }) => void): unknown;
}): void {
  s.on("connect_error", (err) => {
    // A transport failure leaves the socket active: the manager's own backoff is already on it.
    if (s.active || err.message !== "rate_limited") return;
    const data = err.data as { retryAfterSeconds?: unknown } | undefined;
    const seconds = typeof data?.retryAfterSeconds === "number" && data.retryAfterSeconds > 0 ? data.retryAfterSeconds : 5;
    setTimeout(() => s.connect(), seconds * 1000 * (0.5 + Math.random()));
  });
}

/**
 * How the tab's socket connects and reconnects. WebSocket first; where it cannot be opened (a
 * proxy that refuses the upgrade), HTTP long-polling, Socket.IO's own fallback — every reconnect
 * tries WebSocket again first, and a polling connection tries to upgrade once it is open. Backoff 0.25 s doubling to 1 s, with ±50 %
 * jitter so a restarted sidecar is not hit by every open tab in the same instant: a tab whose
 * sidecar died is back on a live one (behind the load balancer) within about half a second,
 * and waits at most 1.5 s after the sidecar is back, so its badge is right within 2 s — a
 * stale badge costs more than a refused connection attempt every 0.5–1.5 s while the sidecar
 * is down (10,000 tabs: under 10,000 handshakes a second, spread by the jitter).
 */
export const STOCK_SOCKET_OPTIONS = {
  transports: ["websocket", "polling"],
  tryAllTransports: true,
  reconnection: true,
  reconnectionDelay: 250,
  reconnectionDelayMax: 1_000,
  randomizationFactor: 0.5,
  timeout: 5_000,
} as const satisfies Partial<ManagerOptions & SocketOptions>;
