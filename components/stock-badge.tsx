import { availabilityState } from "@/lib/shared/availability";
import styles from "./stock-badge.module.css";

const LABEL_CLASS = { in_stock: styles.in, low_stock: styles.low, sold_out: styles.out } as const;

/** The badge's words for a count: "In stock", "Only N left" or "Sold out". */
export function stockBadgeText(available: number, lowStockThreshold: number): string {
  const state = availabilityState(available, lowStockThreshold);
  return state === "sold_out" ? "Sold out" : state === "low_stock" ? `Only ${available} left` : "In stock";
}

/** "In stock" / "Only N left" / "Sold out" for a live count. */
export function StockBadge({
  sku,
  available,
  version,
  lowStockThreshold,
}: {
  /** One SKU code, or several separated by spaces for a product-level badge. */
  sku: string;
  available: number;
  version: number;
  lowStockThreshold: number;
}) {
  const state = availabilityState(available, lowStockThreshold);
  const text = stockBadgeText(available, lowStockThreshold);
  return (
    <span
      className={`${styles.badge} ${LABEL_CLASS[state]}`}
      data-testid="stock-badge"
      data-sku={sku}
      data-available={Math.max(0, available)}
      data-version={version}
      data-state={state}
    >
      <span className={styles.dot} aria-hidden="true" />
      {text}
    </span>
  );
}
