"use client";

import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";
import { getStockSocket, realtimeUrlFor, type StockSocket } from "./socket";

interface RealtimeContextValue {
  /** The tab's socket (browser only: call from effects, never during render). */
  socket: () => StockSocket;
  /** Where the sidecar is (for the back office's own /admin connection). */
  realtimeUrl: string | null;
  realtimePort: number;
}

const RealtimeContext = createContext<RealtimeContextValue | null>(null);

/** Makes the sidecar's address (read at runtime by the layout) available to live components. */
export function RealtimeProvider({
  realtimeUrl,
  realtimePort,
  children,
}: {
  realtimeUrl: string | null;
  realtimePort: number;
  children: ReactNode;
}) {
  const socket = useCallback(() => getStockSocket(realtimeUrlFor(realtimeUrl, realtimePort)), [realtimeUrl, realtimePort]);
  const value = useMemo(() => ({ socket, realtimeUrl, realtimePort }), [socket, realtimeUrl, realtimePort]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): RealtimeContextValue {
  const ctx = useContext(RealtimeContext);
  if (!ctx) throw new Error("useRealtime must be used inside <RealtimeProvider>");
  return ctx;
}

/** The sidecar's configured address (see RealtimeProvider). */
export function useRealtimeConfig(): { realtimeUrl: string | null; realtimePort: number } {
  const { realtimeUrl, realtimePort } = useRealtime();
  return { realtimeUrl, realtimePort };
}
