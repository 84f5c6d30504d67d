// The one Socket.IO connection of this browser tab. Every live component shares it through
// useLiveStock; nothing else opens sockets.
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/realtime/protocol";

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
  socket = io(url, {
    transports: ["websocket"],
    reconnection: true,
    // Exponential backoff 0.5 s → 10 s with ±50 % jitter, so a restarted sidecar is not hit
    // by every open tab in the same instant.
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    timeout: 5_000,
  });
  return socket;
}
