"use client";

import Link from "next/link";
import type { Product } from "@/lib/types";
import { formatPrice } from "./format";
import { useLiveLevels } from "./live-stock-scope";
import { ProductArt } from "./product-art";
import { StockBadge } from "./stock-badge";

/** A catalog tile: artwork, name, price and a product-level live badge (sum over its variants). */
export function ProductCard({ product }: { product: Product }) {
  const live = useLiveLevels();
  const levels = product.variants.map((v) => live(v.sku, { available: v.available, version: v.version }));
  const available = levels.reduce((sum, l) => sum + Math.max(0, l.available), 0);
  const version = levels.reduce((sum, l) => sum + l.version, 0);
  const prices = product.variants.map((v) => v.priceCents);
  const min = prices.length ? Math.min(...prices) : 0;
  const max = prices.length ? Math.max(...prices) : 0;
  const options = product.variants.length;

  return (
    <article className={`card${available <= 0 ? " card--sold-out" : ""}`} data-testid="product-card" data-slug={product.slug}>
      <Link href={`/products/${product.slug}`} className="card__link">
        <div className="card__art">
          <ProductArt hue={product.hue} name={product.name} category={product.category} />
        </div>
        <div className="card__body">
          <p className="card__category">{product.category}</p>
          <h2 className="card__title">{product.name}</h2>
          <div className="card__meta">
            <span className="card__price">
              {min === max ? formatPrice(min) : <>From {formatPrice(min)}</>}
            </span>
            <StockBadge
              sku={product.variants.map((v) => v.sku).join(" ")}
              available={available}
              version={version}
              lowStockThreshold={product.lowStockThreshold}
            />
          </div>
          {options > 1 && <p className="card__options">{options} options</p>}
        </div>
      </Link>
    </article>
  );
}
