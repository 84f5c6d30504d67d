import Link from "next/link";
import { connection } from "next/server";
import styles from "@/components/catalog-page.module.css";
import emptyStyles from "@/components/empty-state.module.css";
import { LiveStockScope } from "@/components/realtime/live-stock";
import { ProductCard } from "@/components/product-card";
import { listProducts } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import type { Availability } from "@/lib/shared/types";

export default async function CatalogPage({ searchParams }: { searchParams: Promise<{ category?: string | string[] }> }) {
  await connection();
  const [products, query] = await Promise.all([listProducts(appDeps()), searchParams]);
  const category = typeof query.category === "string" ? query.category : null;
  const categories = [...new Set(products.map((p) => p.category))].sort();
  const shown = category ? products.filter((p) => p.category === category) : products;
  const initial: Availability[] = shown.flatMap((p) => p.variants.map((v) => ({ sku: v.sku, available: v.available, version: v.version })));

  return (
    <div className="page catalog">
      <section className={styles.hero}>
        <p className="eyebrow">
          <span className={styles.liveDot} aria-hidden="true" /> Live inventory
        </p>
        <h1 className={styles.title}>Good things, counted in real time.</h1>
        <p className={styles.lead}>
          Every count on this page moves the moment someone reserves or buys. Add something to your cart and it&rsquo;s held just for you —
          no one can take it while you decide.
        </p>
      </section>

      {categories.length > 1 && (
        <nav className={styles.filters} aria-label="Categories">
          <Link
            href="/"
            className={category ? styles.chip : `${styles.chip} ${styles.chipActive}`}
            aria-current={category ? undefined : "page"}
          >
            All
          </Link>
          {categories.map((c) => (
            <Link
              key={c}
              href={`/?category=${encodeURIComponent(c)}`}
              className={c === category ? `${styles.chip} ${styles.chipActive}` : styles.chip}
              aria-current={c === category ? "page" : undefined}
            >
              {c}
            </Link>
          ))}
        </nav>
      )}

      <LiveStockScope initial={initial}>
        {shown.length === 0 ? (
          <div className={emptyStyles.empty}>
            <h2>Nothing here yet</h2>
            <p className="muted">New products are on their way. Check back soon.</p>
          </div>
        ) : (
          <div className={styles.grid} aria-label="Products">
            {shown.map((product) => (
              <ProductCard key={product.id} product={product} />
            ))}
          </div>
        )}
      </LiveStockScope>
    </div>
  );
}
