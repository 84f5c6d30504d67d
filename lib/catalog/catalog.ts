// The catalog (Postgres) joined with live availability (Redis).
//
// Reads go through a per-process snapshot of the whole catalog (products and their variants),
// reused while the catalog version in Redis is unchanged: every catalog write bumps it, so each
// app instance reloads on the next read after any instance's change. Browsing therefore costs
// Postgres nothing in the steady state and keeps working while Postgres is down (the snapshot is
// served stale, and said so in the log once), as badges and holds do. A catalog of tens of
// thousands of variants would want a per-product cache instead of one snapshot.
import { randomUUID } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { assertSku, availabilityOf, setStock, stockLevel, type Actor } from "../stock/inventory";
import { assertStorableText, isPgInt, PG_INT_MAX } from "../shared/validation";
import type { Product, StockLevel } from "../shared/types";
import { logFor } from "../core/log";

const logger = logFor("catalog");

type ProductRow = Awaited<ReturnType<typeof loadProducts>>[number];

function loadProducts(deps: Pick<Deps, "db">) {
  return deps.db.product.findMany({
    include: { skus: { orderBy: [{ position: "asc" }, { code: "asc" }] } },
    orderBy: { name: "asc" },
  });
}

interface CatalogSnapshot {
  version: string;
  products: ProductRow[];
  bySlug: Map<string, ProductRow>;
  bySku: Map<string, { sku: ProductRow["skus"][number]; product: ProductRow }>;
}

interface SnapshotHolder {
  snapshot?: CatalogSnapshot;
  loading?: { version: string; promise: Promise<CatalogSnapshot> };
  servingStale?: boolean;
}

// On globalThis, keyed by the Postgres client: Next.js bundles route handlers and pages apart,
// and they should share one snapshot per database.
const HOLDERS = Symbol.for("stockwire.catalogSnapshots");
function holderFor(db: Deps["db"]): SnapshotHolder {
  const g = globalThis as { [HOLDERS]?: WeakMap<object, SnapshotHolder> };
  const holders = (g[HOLDERS] ??= new WeakMap());
  let holder = holders.get(db);
  if (!holder) holders.set(db, (holder = {}));
  return holder;
}

async function catalogSnapshot(deps: Deps): Promise<CatalogSnapshot> {
  const version = (await deps.redis.get(deps.keys.catalogVersion)) ?? "0";
  const holder = holderFor(deps.db);
  if (holder.snapshot?.version === version) return holder.snapshot;
  if (holder.loading?.version !== version) {
    const promise = loadProducts(deps).then((products) => {
      const snapshot: CatalogSnapshot = {
        version,
        products,
        bySlug: new Map(products.map((p) => [p.slug, p])),
        bySku: new Map(products.flatMap((product) => product.skus.map((sku) => [sku.code, { sku, product }] as const))),
      };
      holder.snapshot = snapshot;
      if (holder.servingStale) logger.info("[catalog] Postgres answers again: catalog reloaded");
      holder.servingStale = false;
      return snapshot;
    });
    holder.loading = { version, promise };
    void promise
      .finally(() => {
        if (holder.loading?.promise === promise) holder.loading = undefined;
      })
      .catch(() => {});
  }
  try {
    return await holder.loading!.promise;
  } catch (err) {
    if (!holder.snapshot) throw err;
    if (!holder.servingStale) {
      logger.error(
        `[catalog] Postgres unavailable, serving the catalog as of version ${holder.snapshot.version}:`,
        err instanceof Error ? err.message.trim() || err.name : err,
      );
    }
    holder.servingStale = true;
    return holder.snapshot;
  }
}

/** Tell every app instance that the catalog changed (after the Postgres write). */
export async function markCatalogChanged(deps: Pick<Deps, "redis" | "keys">): Promise<void> {
  // A random token, not a counter: after Redis is emptied and rebuilt, a counter could climb
  // back to a number some instance still holds a different snapshot for.
  await deps.redis.set(deps.keys.catalogVersion, randomUUID());
}

async function withAvailability(deps: Deps, rows: ProductRow[]): Promise<Product[]> {
  const skus = rows.flatMap((p) => p.skus.map((s) => s.code));
  const live = new Map((await availabilityOf(deps, skus)).map((a) => [a.sku, a]));
  return rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    category: p.category,
    hue: p.hue,
    lowStockThreshold: p.lowStockThreshold,
    variants: p.skus.map((s) => ({
      sku: s.code,
      label: s.label,
      size: s.size,
      color: s.color,
      priceCents: s.priceCents,
      available: live.get(s.code)?.available ?? 0,
      version: live.get(s.code)?.version ?? 0,
    })),
  }));
}

/** Every product with its variants and their live availability. */
export async function listProducts(deps: Deps): Promise<Product[]> {
  return withAvailability(deps, (await catalogSnapshot(deps)).products);
}

export const PRODUCT_SORTS = ["featured", "price-asc", "price-desc", "newest"] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductQuery {
  /** Words to find in the name, category or a variant's label (all of them, any case or accent). */
  q?: string;
  category?: string | null;
  /** Only products with at least one unit available now. */
  inStock?: boolean;
  sort?: ProductSort;
}

const fold = (text: string) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

/** The storefront's search: filter and sort the snapshot, then read availability for what is left. */
export async function searchProducts(deps: Deps, query: ProductQuery): Promise<Product[]> {
  const words = fold(query.q ?? "")
    .split(/\s+/)
    .filter(Boolean);
  let rows = (await catalogSnapshot(deps)).products.filter((p) => {
    if (query.category && p.category !== query.category) return false;
    if (words.length === 0) return true;
    const text = fold([p.name, p.category, ...p.skus.map((s) => s.label)].join(" "));
    return words.every((w) => text.includes(w));
  });
  const minPrice = (p: ProductRow) => Math.min(...p.skus.map((s) => s.priceCents), Number.MAX_SAFE_INTEGER);
  if (query.sort === "price-asc") rows = [...rows].sort((a, b) => minPrice(a) - minPrice(b) || a.name.localeCompare(b.name));
  if (query.sort === "price-desc") rows = [...rows].sort((a, b) => minPrice(b) - minPrice(a) || a.name.localeCompare(b.name));
  if (query.sort === "newest")
    rows = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.name.localeCompare(b.name));
  const products = await withAvailability(deps, rows);
  return query.inStock ? products.filter((p) => p.variants.some((v) => v.available > 0)) : products;
}

/** Every category of the catalog, sorted. */
export async function productCategories(deps: Deps): Promise<string[]> {
  return [...new Set((await catalogSnapshot(deps)).products.map((p) => p.category))].sort();
}

/** One product by slug, or null. */
export async function getProduct(deps: Deps, slug: string): Promise<Product | null> {
  if (!/^[a-z0-9-]{1,100}$/.test(slug)) return null;
  const row = (await catalogSnapshot(deps)).bySlug.get(slug);
  if (!row) return null;
  const [product] = await withAvailability(deps, [row]);
  return product ?? null;
}

/** The products holding these SKUs, each with only those variants, in the given SKU order. */
export async function productsOfSkus(deps: Deps, skus: string[]): Promise<Product[]> {
  if (skus.length === 0) return [];
  const snapshot = await catalogSnapshot(deps);
  const wanted = new Set(skus);
  const rows = [...new Set(skus.flatMap((sku) => snapshot.bySku.get(sku)?.product ?? []))].map((p) => ({
    ...p,
    skus: p.skus.filter((s) => wanted.has(s.code)),
  }));
  // Products in the order of their first wanted SKU; variants in catalog order.
  return withAvailability(deps, rows);
}

export { availabilityState } from "../shared/availability";

/** Products and variants for a set of SKU codes (cart lines, order lines). */
export async function describeSkus(deps: Deps, skus: string[]) {
  const snapshot = await catalogSnapshot(deps);
  return new Map(
    skus.flatMap((code) => {
      const found = snapshot.bySku.get(code);
      if (!found) return [];
      const { sku: s, product } = found;
      return [
        [
          s.code,
          { sku: s.code, label: s.label, priceCents: s.priceCents, productName: product.name, productSlug: product.slug, hue: product.hue },
        ] as const,
      ];
    }),
  );
}

export interface SkuUpsert extends Actor {
  sku: string;
  product: { slug: string; name: string; description?: string; category?: string; hue?: number; lowStockThreshold?: number };
  label?: string;
  size?: string | null;
  color?: string | null;
  priceCents: number;
  onHand: number;
  safety?: number;
  position?: number;
  reason?: string;
}

/** The upsert's text and numbers under the one storable rule (a domain caller has no schema). */
function assertStorableUpsert(input: SkuUpsert): void {
  const p = input.product;
  const texts: [string, string | null | undefined, { max: number; multiline?: boolean }][] = [
    ["product.slug", p.slug, { max: 100 }],
    ["product.name", p.name, { max: 200 }],
    ["product.description", p.description, { max: 5000, multiline: true }],
    ["product.category", p.category, { max: 100 }],
    ["label", input.label, { max: 100 }],
    ["size", input.size, { max: 50 }],
    ["color", input.color, { max: 50 }],
    ["reason", input.reason, { max: 200 }],
  ];
  const numbers: [string, number | undefined][] = [
    ["priceCents", input.priceCents],
    ["onHand", input.onHand],
    ["safety", input.safety],
    ["position", input.position],
    ["product.hue", p.hue],
    ["product.lowStockThreshold", p.lowStockThreshold],
  ];
  try {
    for (const [field, value, opts] of texts) if (value != null) assertStorableText(field, value, opts);
  } catch (err) {
    throw new DomainError("invalid_request", (err as Error).message);
  }
  for (const [field, value] of numbers) {
    if (value !== undefined && (!isPgInt(value) || value < 0))
      throw new DomainError("invalid_request", `${field} must be a whole number from 0 to ${PG_INT_MAX}.`);
  }
}

type CatalogWriter = Pick<Deps["db"], "product" | "sku" | "inventoryEvent">;

/** The product and SKU rows of an upsert; returns what the Redis side needs. */
async function writeCatalogRows(db: CatalogWriter, input: SkuUpsert) {
  const p = input.product;
  const product = await db.product.upsert({
    where: { slug: p.slug },
    create: {
      id: p.slug,
      slug: p.slug,
      name: p.name,
      description: p.description ?? "",
      category: p.category ?? "General",
      hue: p.hue ?? 210,
      lowStockThreshold: p.lowStockThreshold ?? 5,
    },
    update: {
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.category !== undefined ? { category: p.category } : {}),
      ...(p.hue !== undefined ? { hue: p.hue } : {}),
      ...(p.lowStockThreshold !== undefined ? { lowStockThreshold: p.lowStockThreshold } : {}),
    },
  });
  const existing = await db.sku.findUnique({ where: { code: input.sku } });
  if (existing && existing.productId !== product.id) {
    throw new DomainError("invalid_request", `SKU ${input.sku} belongs to another product (${existing.productId}).`);
  }
  const safety = input.safety ?? existing?.safety ?? 0;
  const data = {
    label: input.label ?? existing?.label ?? [input.color, input.size].filter(Boolean).join(" / ") ?? "Default",
    size: input.size ?? existing?.size ?? null,
    color: input.color ?? existing?.color ?? null,
    priceCents: input.priceCents,
    safety,
    position: input.position ?? existing?.position ?? 0,
  };
  await db.sku.upsert({
    where: { code: input.sku },
    create: { code: input.sku, productId: product.id, ...data, label: data.label || "Default" },
    update: data,
  });
  const lastEvent = await db.inventoryEvent.findFirst({
    where: { sku: input.sku },
    orderBy: { version: "desc" },
    select: { version: true },
  });
  return { product, existing, safety, lastVersion: lastEvent?.version ?? 0 };
}

/**
 * Create or update a SKU with its product in Postgres and set its counters in Redis, so that a
 * refusal by Redis (the new count below held units plus safety) leaves Postgres unchanged.
 * - SKU already in Redis (the only case Redis can refuse): the catalog rows are written in a
 *   transaction that commits only after Redis took the change. If the process dies in between,
 *   Postgres rolls back and Redis keeps the new count, whose `set` event reaches the ledger
 *   like any other; a changed safety stock then differs from the catalog until reconciliation
 *   reports it (and the caller, who got no answer, retries).
 * - SKU new to Redis (set-stock always creates it): the rows are committed first, so the
 *   SKU's first event never reaches the persister before the SKU exists in the catalog.
 */
export async function upsertSku(deps: Deps, input: SkuUpsert): Promise<{ created: boolean; level: StockLevel }> {
  assertSku(input.sku);
  assertStorableUpsert(input);
  const setCounters = (rows: Awaited<ReturnType<typeof writeCatalogRows>>, startVersion: number | undefined) =>
    setStock(deps, {
      sku: input.sku,
      onHand: input.onHand,
      safety: rows.safety,
      lowStockThreshold: rows.product.lowStockThreshold,
      reason: input.reason ?? (rows.existing ? "catalog update" : "new SKU"),
      source: input.source,
      actor: input.actor ?? null,
      startVersion,
    });
  let result: { created: boolean; level: StockLevel };
  if (await stockLevel(deps, input.sku)) {
    result = await deps.db.$transaction(
      async (tx) => {
        const rows = await writeCatalogRows(tx, input);
        return { created: !rows.existing, level: await setCounters(rows, undefined) };
      },
      { timeout: 15_000 },
    );
  } else {
    const rows = await writeCatalogRows(deps.db, input);
    result = { created: !rows.existing, level: await setCounters(rows, rows.lastVersion) };
  }
  await markCatalogChanged(deps);
  return result;
}
