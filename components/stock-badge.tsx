import { availabilityState } from "@/lib/shared/availability";

const LABEL_CLASS = { in_stock: "badge--in", low_stock: "badge--low", sold_out: "badge--out" } as const;

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
  const text = state === "sold_out" ? "Sold out" : state === "low_stock" ? `Only ${available} left` : "In stock";
  return (
    <span
      className={`badge ${LABEL_CLASS[state]}`}
      data-testid="stock-badge"
      data-sku={sku}
      data-available={Math.max(0, available)}
      data-version={version}
      data-state={state}
    >
      <span className="badge__dot" aria-hidden="true" />
      {text}
    </span>
  );
}
