import Link from "next/link";
import { connection } from "next/server";
import { z } from "zod";
import styles from "@/components/catalog-page.module.css";
import { CatalogControls } from "@/components/catalog-controls";
import emptyStyles from "@/components/empty-state.module.css";
import { LiveStockScope } from "@/components/realtime/live-stock";
import { ProductCard } from "@/components/product-card";
import { SaleBanner, type SaleTeaserData } from "@/components/sale/sale-teaser";
import { PRODUCT_SORTS, productCategories, searchProducts, type ProductQuery } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import { saleTeasers } from "@/lib/sales";
import type { Availability } from "@/lib/shared/types";
import { storableText } from "@/lib/shared/validation";

type Search = Record<string, string | string[] | undefined>;

/** The address's search, each part checked on its own: a malformed part is ignored, never an error page. */
function readQuery(params: Search): Required<Pick<ProductQuery, "q" | "sort" | "inStock">> & { category: string | null } {
  const one = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const q = storableText({ max: 100 }).safeParse(one("q")?.trim() ?? "");
  const sort = z.enum(PRODUCT_SORTS).safeParse(one("sort"));
  const category = storableText({ max: 100 }).safeParse(one("category"));
  return {
    q: q.success ? q.data : "",
    sort: sort.success ? sort.data : "featured",
    inStock: one("stock") === "1",
    category: category.success && category.data ? category.data : null,
  };
}

/** A link to the catalog with these search parts (empty ones left out). */
function catalogHref(query: ReturnType<typeof readQuery>, change: Partial<ReturnType<typeof readQuery>>): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.category) params.set("category", next.category);
  if (next.inStock) params.set("stock", "1");
  if (next.sort !== "featured") params.set("sort", next.sort);
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

export default async function CatalogPage({ searchParams }: { searchParams: Promise<Search> }) {
  await connection();
  const deps = appDeps();
  const query = readQuery(await searchParams);
  const [shown, categories, sales] = await Promise.all([searchProducts(deps, query), productCategories(deps), openSales(deps)]);
  const filtered = Boolean(query.q || query.category || query.inStock);
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

      <CatalogControls q={query.q} sort={query.sort} inStock={query.inStock} category={query.category} />

      {categories.length > 1 && (
        <nav className={styles.filters} aria-label="Categories">
          <Link
            href={catalogHref(query, { category: null })}
            className={query.category ? styles.chip : `${styles.chip} ${styles.chipActive}`}
            aria-current={query.category ? undefined : "page"}
          >
            All
          </Link>
          {categories.map((c) => (
            <Link
              key={c}
              href={catalogHref(query, { category: c })}
              className={c === query.category ? `${styles.chip} ${styles.chipActive}` : styles.chip}
              aria-current={c === query.category ? "page" : undefined}
            >
              {c}
            </Link>
          ))}
        </nav>
      )}

      <p className={styles.count} role="status" data-testid="catalog-count">
        {shown.length === 1 ? "1 product" : `${shown.length} products`}
        {query.q ? ` matching “${query.q}”` : ""}
        {query.inStock ? ", in stock now" : ""}
      </p>

      <LiveStockScope initial={initial}>
        {shown.length === 0 ? (
          <div className={emptyStyles.empty} data-testid="catalog-empty">
            <h2>{filtered ? "Nothing matches" : "Nothing here yet"}</h2>
            <p className="muted">
              {filtered ? "Try other words, or look at everything." : "New products are on their way. Check back soon."}
            </p>
            {filtered ? (
              <Link href="/" className="button button--secondary">
                Show everything
              </Link>
            ) : null}
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

/** The sales shoppers can still join, by SKU, and the one the banner shows: a sale on now first, else the next to start. */
async function openSales(deps: ReturnType<typeof appDeps>): Promise<{ next: SaleTeaserData | null; bySku: Map<string, SaleTeaserData> }> {
  const open = (await saleTeasers(deps)).map(({ skus, ...teaser }) => ({ teaser, skus }));
  const bySku = new Map<string, SaleTeaserData>();
  for (const { teaser, skus } of open) for (const sku of skus) bySku.set(sku, teaser);
  const rank = (t: SaleTeaserData) => (t.status === "live" || t.status === "starting" ? 0 : t.status === "soldout" ? 2 : 1);
  const next = open.map((o) => o.teaser).sort((a, b) => rank(a) - rank(b) || a.startsAt - b.startsAt)[0] ?? null;
  return { next, bySku };
}
