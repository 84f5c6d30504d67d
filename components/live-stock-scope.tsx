"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { Availability } from "@/lib/shared/types";
import { ConnectionNotice } from "./connection-notice";
import styles from "./live-stock-scope.module.css";
import { useLiveStock, type ConnectionStatus, type LiveLevel, type LiveStock } from "./realtime/use-live-stock";

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
