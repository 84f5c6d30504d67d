"use client";

import { useState } from "react";
import type { Product } from "@/lib/shared/types";
import { AddToCart } from "./add-to-cart";
import { formatPrice } from "./format";
import styles from "./product-purchase.module.css";
import { useLiveLevels } from "./realtime/live-stock";
import { SaleLink, type SaleRef } from "./sale/sale-link";
import { StockAnnouncer } from "./stock-announcer";
import { StockBadge, stockBadgeText } from "./stock-badge";
import { VariantPicker } from "./variant-picker";

/**
 * The buying panel of a product page: price, live badge, variants, quantity and add to cart —
 * or, for a variant in an open flash sale, the way to the sale's line.
 */
export function ProductPurchase({ product, sales = {} }: { product: Product; sales?: Record<string, SaleRef> }) {
  const live = useLiveLevels();
  const levelOf = (sku: string) => {
    const v = product.variants.find((x) => x.sku === sku);
    return live(sku, { available: v?.available ?? 0, version: v?.version ?? 0 });
  };
  const [selectedSku, setSelectedSku] = useState(() => (product.variants.find((v) => v.available > 0) ?? product.variants[0])?.sku ?? "");
  const variant = product.variants.find((v) => v.sku === selectedSku) ?? product.variants[0];
  if (!variant) return <p className="muted">This product has no options for sale right now.</p>;
  const level = levelOf(variant.sku);
  const sale = sales[variant.sku];

  return (
    <div className={styles.purchase}>
      <div className={styles.priceRow}>
        <span className={styles.price}>{formatPrice(variant.priceCents)}</span>
        <StockBadge sku={variant.sku} available={level.available} version={level.version} lowStockThreshold={product.lowStockThreshold} />
        <StockAnnouncer sku={variant.sku} text={stockBadgeText(level.available, product.lowStockThreshold)} label={variant.label} />
      </div>
      <VariantPicker
        variants={product.variants}
        selectedSku={variant.sku}
        availableOf={(sku) => levelOf(sku).available}
        onSelect={setSelectedSku}
      />
      {sale ? (
        <SaleLink sale={sale} />
      ) : (
        <AddToCart
          sku={variant.sku}
          available={level.available}
          variantLabel={variant.label}
          bar={{
            price: formatPrice(variant.priceCents),
            badge: (
              <span className={styles.barBadge}>
                {variant.label} · {stockBadgeText(level.available, product.lowStockThreshold)}
              </span>
            ),
          }}
        />
      )}
    </div>
  );
}
