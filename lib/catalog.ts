// The catalog (Postgres) joined with live availability (Redis).
import type { Deps } from "./context";
import { DomainError } from "./errors";
import { availabilityOf, setStock, stockLevel, type Actor } from "./inventory";
import type { AvailabilityState, Product, StockLevel } from "./types";

type ProductRow = Awaited<ReturnType<typeof loadProducts>>[number];

function loadProducts(deps: Deps, where: { slug?: string } = {}) {
  return deps.db.product.findMany({
    where,
    include: { skus: { orderBy: [{ position: "asc" }, { code: "asc" }] } },
    orderBy: { name: "asc" },
  });
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
  return withAvailability(deps, await loadProducts(deps));
}

/** One product by slug, or null. */
export async function getProduct(deps: Deps, slug: string): Promise<Product | null> {
  if (!/^[a-z0-9-]{1,100}$/.test(slug)) return null;
  const [product] = await withAvailability(deps, await loadProducts(deps, { slug }));
  return product ?? null;
}

/** The products holding these SKUs, each with only those variants, in the given SKU order. */
export async function productsOfSkus(deps: Deps, skus: string[]): Promise<Product[]> {
  if (skus.length === 0) return [];
  const rows = await deps.db.product.findMany({
    where: { skus: { some: { code: { in: skus } } } },
    include: { skus: { where: { code: { in: skus } }, orderBy: [{ position: "asc" }, { code: "asc" }] } },
  });
  const order = new Map(skus.map((sku, i) => [sku, i]));
  const first = (p: ProductRow) => Math.min(...p.skus.map((s) => order.get(s.code) ?? Infinity));
  return withAvailability(deps, rows.sort((a, b) => first(a) - first(b)));
}

/** What the badge says for a number of units left. */
export function availabilityState(available: number, lowStockThreshold: number): AvailabilityState {
  if (available <= 0) return "sold_out";
  if (available <= lowStockThreshold) return "low_stock";
  return "in_stock";
}

/** Products and variants for a set of SKU codes (cart lines, order lines). */
export async function describeSkus(deps: Deps, skus: string[]) {
  const rows = await deps.db.sku.findMany({ where: { code: { in: skus } }, include: { product: true } });
  return new Map(
    rows.map((s) => [
      s.code,
      { sku: s.code, label: s.label, priceCents: s.priceCents, productName: s.product.name, productSlug: s.product.slug, hue: s.product.hue },
    ]),
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

/** Create or update a SKU with its product in Postgres, then set its counters in Redis. */
export async function upsertSku(deps: Deps, input: SkuUpsert): Promise<{ created: boolean; level: StockLevel }> {
  const p = input.product;
  const product = await deps.db.product.upsert({
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
  const existing = await deps.db.sku.findUnique({ where: { code: input.sku } });
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
  await deps.db.sku.upsert({
    where: { code: input.sku },
    create: { code: input.sku, productId: product.id, ...data, label: data.label || "Default" },
    update: data,
  });
  const lastEvent = await deps.db.inventoryEvent.findFirst({ where: { sku: input.sku }, orderBy: { version: "desc" }, select: { version: true } });
  const known = await stockLevel(deps, input.sku);
  const level = await setStock(deps, {
    sku: input.sku,
    onHand: input.onHand,
    safety,
    lowStockThreshold: product.lowStockThreshold,
    reason: input.reason ?? (existing ? "catalog update" : "new SKU"),
    source: input.source,
    actor: input.actor ?? null,
    startVersion: known ? undefined : lastEvent?.version ?? 0,
  });
  return { created: !existing, level };
}
