// Pure helpers shared by the stock screens (browser and server).
import type { StockEvent } from "@/lib/shared/types";
import type { StockRow } from "@/lib/stock";

export type StockState = "sold_out" | "low_stock" | "in_stock";

/** Same rule as the storefront's badge: nothing available is sold out; at or under the threshold is low. */
export function stockState(available: number, lowStockThreshold: number): StockState {
  if (available <= 0) return "sold_out";
  if (available <= lowStockThreshold) return "low_stock";
  return "in_stock";
}

export const STATE_LABELS: Record<StockState, string> = { sold_out: "Sold out", low_stock: "Low stock", in_stock: "In stock" };

/** A row after a stock event, if the event is newer than what the row shows (monotone views). */
export function applyEvent<R extends Pick<StockRow, "sku" | "version">>(row: R, e: StockEvent): R & Partial<StockRow> {
  if (row.sku !== e.sku || e.version <= row.version) return row;
  return {
    ...row,
    onHand: e.onHand,
    reserved: e.reserved,
    safety: e.safety,
    available: e.available,
    version: e.version,
    changedAt: e.at,
    live: true,
  };
}

/** Keep whichever copy of a row is newer. */
export function newer<R extends { version: number }>(a: R, b: R): R {
  return b.version > a.version ? b : a;
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : "0";
}
