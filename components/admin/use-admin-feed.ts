"use client";
// The back office's one connection to the sidecar's authenticated /admin namespace (the
// browser's `sw_staff` cookie goes with the handshake). Every live admin screen
// listens through useAdminFeed; nothing else opens admin sockets.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { AdminClientToServerEvents, AdminServerToClientEvents } from "@/lib/shared/protocol";
import { realtimeUrlFor } from "@/components/realtime/socket";
import { useRealtimeConfig } from "@/components/realtime/realtime-provider";

export type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;
export type AdminFeedStatus = "connecting" | "live" | "offline";

let socket: AdminSocket | null = null;

function adminSocket(baseUrl: string): AdminSocket {
  socket ??= io(`${baseUrl}/admin`, {
    // As the storefront's socket: WebSocket, else long-polling (components/realtime/socket.ts).
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    withCredentials: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
  });
  return socket;
}

type Handlers = { [E in keyof AdminServerToClientEvents]?: AdminServerToClientEvents[E] };

/**
 * Listen to the admin feed while the component is mounted. `handlers` may change on every
 * render (they are read through a ref); returns the connection status for a "live" pill.
 */
export function useAdminFeed(handlers: Handlers): AdminFeedStatus {
  const { realtimeUrl, realtimePort } = useRealtimeConfig();
  const ref = useRef(handlers);
  useLayoutEffect(() => {
    ref.current = handlers;
  });
  const [status, setStatus] = useState<AdminFeedStatus>("connecting");

  useEffect(() => {
    const s = adminSocket(realtimeUrlFor(realtimeUrl, realtimePort));
    const onConnect = () => setStatus("live");
    const onDisconnect = () => setStatus("offline");
    const onError = () => setStatus("offline");
    s.on("connect", onConnect);
    s.on("disconnect", onDisconnect);
    s.on("connect_error", onError);
    // The socket is shared and may already be open: take its state (a sync with an outside system).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (s.connected) setStatus("live");
    const names = Object.keys(ref.current) as (keyof AdminServerToClientEvents)[];
    const listeners = names.map((name) => {
      const listener = (...args: unknown[]) => (ref.current[name] as ((...a: unknown[]) => void) | undefined)?.(...args);
      s.on(name, listener as never);
      return [name, listener] as const;
    });
    return () => {
      s.off("connect", onConnect);
      s.off("disconnect", onDisconnect);
      s.off("connect_error", onError);
      for (const [name, listener] of listeners) s.off(name, listener as never);
    };
    // The set of event names is fixed per component; handlers are read through the ref.
  }, [realtimeUrl, realtimePort]);

  return status;
}
