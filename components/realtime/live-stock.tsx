"use client";
// Live stock in the browser: `useLiveStock` follows a set of SKUs over the tab's socket, and
// `LiveStockScope` gives one such subscription to everything a page shows (a catalog grid, a
// product's variants), read with `useLiveLevels`.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Availability } from "@/lib/shared/types";
import { stockFrame, type Response } from "@/lib/shared/protocol";
import { ConnectionNotice } from "../connection-notice";
import styles from "./live-stock.module.css";
import { useRealtime } from "./realtime-provider";

export type ConnectionStatus = "connecting" | "live" | "stale";

export interface LiveLevel {
  available: number;
  version: number;
}

export type LiveStock = ReadonlyMap<string, LiveLevel>;

/** How long a first connection may take before the page admits its counts may be old. */
const CONNECT_GRACE_MS = 2_000;
const ACK_TIMEOUT_MS = 5_000;

type Levels = Record<string, LiveLevel>;

/** Merge updates into the levels, keeping only strictly newer versions (DESIGN invariant 4). */
function mergeNewer(current: Levels, updates: readonly Availability[]): Levels {
  let next: Levels | null = null;
  for (const u of updates) {
    const known = (next ?? current)[u.sku];
    if (known && u.version <= known.version) continue;
    next ??= { ...current };
    next[u.sku] = { available: u.available, version: u.version };
  }
  return next ?? current;
}

/**
 * Live availability of a set of SKUs: starts from the server-rendered snapshot, subscribes
 * on every (re)connect, merges the ack's snapshot and then applies `stock` deltas — never
 * going back to an older version than the one shown.
 */
export function useLiveStock(initial: readonly Availability[]): { stock: LiveStock; status: ConnectionStatus } {
  const { socket: getSocket } = useRealtime();
  const [levels, setLevels] = useState<Levels>(() => mergeNewer({}, initial));
  const [status, setStatus] = useState<ConnectionStatus>("connecting");

  // A stable key for the SKU set, so a server re-render with new counts does not resubscribe.
  const skuKey = useMemo(() => [...new Set(initial.map((a) => a.sku))].sort().join(" "), [initial]);

  // Fresh server renders (after an action revalidates) may carry newer versions: merge them
  // (during render, as React advises for state that follows a prop).
  const [seen, setSeen] = useState(initial);
  if (seen !== initial) {
    setSeen(initial);
    setLevels((current) => mergeNewer(current, initial));
  }

  useEffect(() => {
    const skus = skuKey ? skuKey.split(" ") : [];
    if (skus.length === 0) return;
    const wanted = new Set(skus);
    const socket = getSocket();
    let active = true;

    const onConnect = () => {
      socket.timeout(ACK_TIMEOUT_MS).emit("subscribe", { skus }, (err: Error | null, res?: Response<Availability[]>) => {
        if (!active) return;
        if (err || !res || !res.ok) {
          if (res && !res.ok) console.warn("[live stock] subscribe refused:", res.error.message);
          setStatus("stale");
          return;
        }
        setLevels((current) =>
          mergeNewer(
            current,
            res.data.filter((a) => wanted.has(a.sku)),
          ),
        );
        setStatus("live");
      });
    };
    const onDisconnect = () => setStatus("stale");
    const onConnectError = () => setStatus("stale");
    const onStock = (sku: string, available: number, version: number) => {
      if (!wanted.has(sku)) return;
      setLevels((current) => mergeNewer(current, [stockFrame(sku, available, version)]));
    };

    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    socket.on("stock", onStock);
    if (socket.connected) onConnect();
    else if (!socket.active) socket.connect();
    const grace = setTimeout(() => setStatus((s) => (s === "connecting" ? "stale" : s)), CONNECT_GRACE_MS);

    return () => {
      active = false;
      clearTimeout(grace);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onConnectError);
      socket.off("stock", onStock);
      if (socket.connected) socket.emit("unsubscribe", { skus });
    };
  }, [skuKey, getSocket]);

  const stock = useMemo(() => new Map(Object.entries(levels)), [levels]);
  return { stock, status };
}

// ---- one subscription per page -------------------------------------------------------------------

interface LiveStockValue {
  stock: LiveStock;
  status: ConnectionStatus;
}

const LiveStockContext = createContext<LiveStockValue | null>(null);

/**
 * One live subscription for everything a page shows (a catalog grid, a product's variants):
 * one `subscribe` per page instead of one per card.
 */
export function LiveStockScope({ initial, children }: { initial: Availability[]; children: ReactNode }) {
  const live = useLiveStock(initial);
  return (
    <LiveStockContext.Provider value={live}>
      {/* display: contents — a hook for tests and styles that does not change the layout. */}
      <div className={styles.scope} data-live-status={live.status}>
        <ConnectionNotice status={live.status} />
        {children}
      </div>
    </LiveStockContext.Provider>
  );
}

/** A reader of live levels, falling back to what the server rendered for SKUs not (yet) live. */
export function useLiveLevels(): (sku: string, fallback: LiveLevel) => LiveLevel {
  const stock = useContext(LiveStockContext)?.stock;
  return (sku, fallback) => stock?.get(sku) ?? fallback;
}

export function useLiveStatus(): ConnectionStatus {
  return useContext(LiveStockContext)?.status ?? "stale";
}
