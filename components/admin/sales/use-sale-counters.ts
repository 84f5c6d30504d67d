"use client";
// A sale's live counters for the back office: the tab's storefront socket watches the sale
// (`queue:watch` without a ticket: an exact snapshot, then one `queue` frame per tick in which
// something changed). Nothing is polled.
import { useEffect, useState } from "react";
import type { Response } from "@/lib/shared/protocol";
import type { QueueFrame, QueueSnapshot, SaleCounters } from "@/lib/sales";
import { useRealtime } from "@/components/realtime/realtime-provider";

export function useSaleCounters(
  saleId: string,
  initial: SaleCounters | null,
  enabled: boolean,
): { counters: SaleCounters | null; live: boolean } {
  const { socket: getSocket } = useRealtime();
  const [counters, setCounters] = useState(initial);
  const [live, setLive] = useState(false);

  useEffect(() => {
    if (!enabled) return;
    const socket = getSocket();
    let active = true;
    const watch = () =>
      socket.timeout(5_000).emit("queue:watch", { saleId }, (err: Error | null, res?: Response<QueueSnapshot>) => {
        if (!active || err || !res?.ok) return;
        setCounters(res.data);
        setLive(true);
      });
    const onFrame = (frame: QueueFrame) => {
      if (frame.saleId !== saleId) return;
      // Counters only move forward: an older tick arriving late is dropped.
      setCounters((prev) => (!prev || frame.tick >= prev.tick ? frame : prev));
    };
    const onDisconnect = () => setLive(false);
    socket.on("queue", onFrame);
    socket.on("connect", watch);
    socket.on("disconnect", onDisconnect);
    if (socket.connected) watch();
    return () => {
      active = false;
      socket.off("queue", onFrame);
      socket.off("connect", watch);
      socket.off("disconnect", onDisconnect);
      if (socket.connected) socket.emit("queue:unwatch", { saleId });
    };
  }, [saleId, enabled, getSocket]);

  return { counters, live };
}
