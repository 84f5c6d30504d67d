"use client";

import Link from "next/link";
import type { Product } from "@/lib/shared/types";
import { formatPrice } from "./format";
import { useLiveLevels } from "./realtime/live-stock";
import { ProductArt } from "./product-art";
import styles from "./product-card.module.css";
import { SaleBadge, type SaleTeaserData } from "./sale/sale-teaser";
import { StockBadge } from "./stock-badge";

/** A catalog tile: artwork, name, price and a product-level live badge (sum over its variants). */
export function ProductCard({ product, sale }: { product: Product; sale?: SaleTeaserData }) {
  const live = useLiveLevels();
  const levels = product.variants.map((v) => live(v.sku, { available: v.available, version: v.version }));
  const available = levels.reduce((sum, l) => sum + Math.max(0, l.available), 0);
  const version = levels.reduce((sum, l) => sum + l.version, 0);
  const prices = product.variants.map((v) => v.priceCents);
  const min = prices.length ? Math.min(...prices) : 0;
  const max = prices.length ? Math.max(...prices) : 0;
  const options = product.variants.length;

  return (
    <article
      className={available <= 0 ? `${styles.card} ${styles.soldOut}` : styles.card}
      data-testid="product-card"
      data-slug={product.slug}
    >
      <Link href={`/products/${product.slug}`} className={styles.link}>
        <div className={styles.art}>
          <ProductArt hue={product.hue} name={product.name} category={product.category} className={styles.image} />
          {sale ? <SaleBadge sale={sale} ribbon /> : null}
        </div>
        <div className={styles.body}>
          <p className={styles.category}>{product.category}</p>
          <h2 className={styles.title}>{product.name}</h2>
          <div className={styles.meta}>
            <span className={styles.price}>{min === max ? formatPrice(min) : <>From {formatPrice(min)}</>}</span>
            <StockBadge
              sku={product.variants.map((v) => v.sku).join(" ")}
              available={available}
              version={version}
              lowStockThreshold={product.lowStockThreshold}
            />
          </div>
          {options > 1 && <p className={styles.options}>{options} options</p>}
        </div>
      </Link>
    </article>
  );
}
