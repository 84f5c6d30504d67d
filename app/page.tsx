import Link from "next/link";
import { connection } from "next/server";
import styles from "@/components/catalog-page.module.css";
import emptyStyles from "@/components/empty-state.module.css";
import { LiveStockScope } from "@/components/realtime/live-stock";
import { ProductCard } from "@/components/product-card";
import { SaleBanner, type SaleTeaserData } from "@/components/sale/sale-teaser";
import { listProducts } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import { listSaleDefinitions } from "@/lib/sales";
import type { Availability } from "@/lib/shared/types";

export default async function CatalogPage({ searchParams }: { searchParams: Promise<{ category?: string | string[] }> }) {
  await connection();
  const deps = appDeps();
  const [products, query, sales] = await Promise.all([listProducts(deps), searchParams, openSales(deps)]);
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

      {sales.next ? <SaleBanner sale={sales.next} /> : null}

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
              <ProductCard key={product.id} product={product} sale={product.variants.map((v) => sales.bySku.get(v.sku)).find(Boolean)} />
            ))}
          </div>
        )}
      </LiveStockScope>
    </div>
  );
}

/**
 * The sales shoppers can still join, by SKU, and the one the banner shows: a sale on now first,
 * else the next to start. A Postgres hiccup leaves the shop without the banner, not without a page.
 */
async function openSales(deps: ReturnType<typeof appDeps>): Promise<{ next: SaleTeaserData | null; bySku: Map<string, SaleTeaserData> }> {
  const all = await listSaleDefinitions(deps).catch(() => []);
  const open = all
    .filter((s) => s.status !== "closed")
    .map((s) => ({
      teaser: { id: s.id, name: s.name, status: s.status as SaleTeaserData["status"], startsAt: s.startsAt.getTime() },
      skus: s.skus,
    }));
  const bySku = new Map<string, SaleTeaserData>();
  for (const { teaser, skus } of open) for (const sku of skus) bySku.set(sku, teaser);
  const rank = (t: SaleTeaserData) => (t.status === "live" || t.status === "starting" ? 0 : t.status === "soldout" ? 2 : 1);
  const next = open.map((o) => o.teaser).sort((a, b) => rank(a) - rank(b) || a.startsAt - b.startsAt)[0] ?? null;
  return { next, bySku };
}
