// The storefront's search (searchProducts, lib/catalog): words in any case or accent across the
// name, category and variant labels, a category, "in stock only" on live counts, and the sorts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchProducts, upsertSku } from "../../lib/catalog";
import { placeReservation } from "../../lib/reservations";
import { testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const tag = `zq${uid(6).toLowerCase()}`;

async function product(name: string, category: string, variants: { label: string; priceCents: number; onHand: number }[]) {
  const slug = `${tag}-${uid(6).toLowerCase()}`;
  const skus: string[] = [];
  for (const [i, v] of variants.entries()) {
    const sku = `S${uid(8)}-${i}`;
    await upsertSku(deps, {
      sku,
      product: { slug, name: `${name} ${tag}`, category },
      label: v.label,
      priceCents: v.priceCents,
      onHand: v.onHand,
      source: "test",
    });
    skus.push(sku);
  }
  return { slug, skus };
}

let crepe: Awaited<ReturnType<typeof product>>;
let linen: Awaited<ReturnType<typeof product>>;
let boots: Awaited<ReturnType<typeof product>>;

beforeAll(async () => {
  crepe = await product("Crêpe Pan", "Kitchen", [{ label: "Cast iron", priceCents: 4_500, onHand: 3 }]);
  linen = await product("Linen Apron", "Kitchen", [
    { label: "Sage", priceCents: 2_900, onHand: 0 },
    { label: "Rust", priceCents: 3_100, onHand: 0 },
  ]);
  boots = await product("Trail Boots", "Shoes", [{ label: "Brown 42", priceCents: 12_000, onHand: 1 }]);
});

const slugs = (products: { slug: string }[]) => products.map((p) => p.slug).filter((s) => s.startsWith(tag));

describe("searchProducts", () => {
  it("finds every word in the name, category or a variant, in any case or accent", async () => {
    expect(slugs(await searchProducts(deps, { q: `CREPE ${tag}` }))).toEqual([crepe.slug]);
    expect(slugs(await searchProducts(deps, { q: `kitchen ${tag}` })).sort()).toEqual([crepe.slug, linen.slug].sort());
    expect(slugs(await searchProducts(deps, { q: `rust ${tag}` }))).toEqual([linen.slug]);
    expect(slugs(await searchProducts(deps, { q: `rust boots ${tag}` }))).toEqual([]);
  });

  it("filters by category and by what is available now, live", async () => {
    expect(slugs(await searchProducts(deps, { q: tag, category: "Shoes" }))).toEqual([boots.slug]);
    expect(slugs(await searchProducts(deps, { q: tag, inStock: true })).sort()).toEqual([crepe.slug, boots.slug].sort());
    // The last boot goes into a cart: no longer in stock for the filter.
    await placeReservation(deps, { sessionId: `search-${uid()}`, items: [{ sku: boots.skus[0]!, quantity: 1 }], source: "test" });
    expect(slugs(await searchProducts(deps, { q: tag, inStock: true }))).toEqual([crepe.slug]);
  });

  it("sorts by the lowest variant price either way, and by newest first", async () => {
    expect(slugs(await searchProducts(deps, { q: tag, sort: "price-asc" }))).toEqual([linen.slug, crepe.slug, boots.slug]);
    expect(slugs(await searchProducts(deps, { q: tag, sort: "price-desc" }))).toEqual([boots.slug, crepe.slug, linen.slug]);
    expect(slugs(await searchProducts(deps, { q: tag, sort: "newest" }))).toEqual([boots.slug, linen.slug, crepe.slug]);
  });
});
