"use client";

import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";
import { getStockSocket, realtimeUrlFor, type StockSocket } from "./socket";

interface RealtimeContextValue {
  /** The tab's socket (browser only: call from effects, never during render). */
  socket: () => StockSocket;
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
  const value = useMemo(() => ({ socket }), [socket]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): RealtimeContextValue {
  const ctx = useContext(RealtimeContext);
  if (!ctx) throw new Error("useRealtime must be used inside <RealtimeProvider>");
  return ctx;
}
