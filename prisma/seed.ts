// Demo catalog for development and the end-to-end tests. Every SKU goes through upsertSku, so
// each starting stock level is a `set` event that reaches the ledger like any other change.
// Idempotent: a database that already has products is left alone.
import { appDeps, type Deps } from "../lib/core/deps";
import { upsertSku } from "../lib/catalog";
import { persistAllPending } from "../lib/ledger";
import { createSale } from "../lib/sales";

interface SeedVariant {
  sku: string;
  label: string;
  size?: string;
  color?: string;
  priceCents: number;
  onHand: number;
  safety?: number;
}

interface SeedProduct {
  slug: string;
  name: string;
  description: string;
  category: string;
  hue: number;
  lowStockThreshold?: number;
  variants: SeedVariant[];
}

const SIZE_ORDER = ["XS", "S", "M", "L", "XL"] as const;

/** Size × colour variants; `stock` gives onHand per colour and size ("BLK:M" → 2), default `base`. */
function grid(
  prefix: string,
  colors: { code: string; name: string }[],
  sizes: readonly string[],
  priceCents: number,
  base: number,
  stock: Record<string, number> = {},
): SeedVariant[] {
  return colors.flatMap((c) =>
    sizes.map((size) => ({
      sku: `${prefix}-${c.code}-${size}`,
      label: `${c.name} / ${size}`,
      color: c.name,
      size,
      priceCents,
      onHand: stock[`${c.code}:${size}`] ?? base,
    })),
  );
}

/** One variant per shoe size (EU); `stock` overrides onHand per size. */
function shoeSizes(
  prefix: string,
  color: string,
  sizes: number[],
  priceCents: number,
  base: number,
  stock: Record<number, number> = {},
): SeedVariant[] {
  return sizes.map((size) => ({
    sku: `${prefix}-${size}`,
    label: `EU ${size}`,
    color,
    size: String(size),
    priceCents,
    onHand: stock[size] ?? base,
    safety: 1, // one pair of each size stays in the shop window
  }));
}

export const DEMO_CATALOG: SeedProduct[] = [
  {
    slug: "orbit-organic-tee",
    name: "Orbit Organic Tee",
    description:
      "A mid-weight tee in 180 g/m² organic cotton with a relaxed fit, ribbed collar and a garment-dyed finish that softens with every wash.",
    category: "Apparel",
    hue: 24,
    variants: grid(
      "TEE-ORG",
      [
        { code: "BLK", name: "Black" },
        { code: "WHT", name: "White" },
        { code: "CLY", name: "Clay" },
      ],
      SIZE_ORDER.slice(1),
      2800,
      18,
      {
        "BLK:M": 3,
        "CLY:S": 0,
        "CLY:XL": 2,
      },
    ),
  },
  {
    slug: "harbor-fleece-hoodie",
    name: "Harbor Fleece Hoodie",
    description:
      "Brushed-back 400 g/m² fleece, a double-layer hood and a kangaroo pocket big enough for a paperback. Cut a little long in the body.",
    category: "Apparel",
    hue: 215,
    variants: grid(
      "HOD-HBR",
      [
        { code: "NVY", name: "Navy" },
        { code: "GRY", name: "Heather Grey" },
      ],
      SIZE_ORDER.slice(1),
      6900,
      9,
      {
        "NVY:L": 4,
        "GRY:XL": 1,
      },
    ),
  },
  {
    slug: "field-canvas-overshirt",
    name: "Field Canvas Overshirt",
    description: "Washed cotton canvas with two chest pockets and corozo buttons: a shirt in summer, a light jacket in spring and autumn.",
    category: "Apparel",
    hue: 88,
    variants: grid(
      "OVS-FLD",
      [
        { code: "OLV", name: "Olive" },
        { code: "SND", name: "Sand" },
      ],
      ["S", "M", "L"],
      8900,
      7,
    ),
  },
  {
    slug: "stride-runner",
    name: "Stride Runner",
    description:
      "A lightweight daily trainer with a recycled knit upper, a responsive foam midsole and a rubber outsole grooved for wet pavements.",
    category: "Sneakers",
    hue: 190,
    variants: shoeSizes("SNK-STR", "Glacier Blue", [39, 40, 41, 42, 43, 44, 45], 12900, 8, { 42: 4, 44: 2 }),
  },
  {
    slug: "court-classic-low",
    name: "Court Classic Low",
    description:
      "Full-grain leather, a cupsole stitched all the way round and a padded collar. The white sneaker that goes with everything.",
    category: "Sneakers",
    hue: 45,
    variants: shoeSizes("SNK-CRT", "White", [38, 39, 40, 41, 42, 43, 44], 9900, 10, { 41: 2, 42: 0, 43: 3 }),
  },
  {
    slug: "ridge-trail-mid",
    name: "Ridge Trail Mid",
    description: "A waterproof mid-cut hiker with a grippy lugged outsole, a gusseted tongue that keeps grit out and a toe cap for scree.",
    category: "Sneakers",
    hue: 140,
    variants: shoeSizes("SNK-RDG", "Moss", [40, 41, 42, 43, 44, 45], 15900, 7, { 40: 3, 45: 1 }),
  },
  {
    slug: "stoneware-mug-set",
    name: "Stoneware Mug Set",
    description: "Four wheel-thrown stoneware mugs (350 ml) in a reactive glaze, so no two are quite alike. Dishwasher and microwave safe.",
    category: "Home",
    hue: 30,
    variants: [
      { sku: "HOM-MUG-SLT", label: "Slate", color: "Slate", priceCents: 4800, onHand: 14 },
      { sku: "HOM-MUG-SGE", label: "Sage", color: "Sage", priceCents: 4800, onHand: 3 },
      { sku: "HOM-MUG-OAT", label: "Oat", color: "Oat", priceCents: 4800, onHand: 22 },
    ],
  },
  {
    slug: "washed-linen-throw",
    name: "Washed Linen Throw",
    description: "A generous 130 × 180 cm throw in stonewashed European flax linen with hand-knotted fringes. Gets better with age.",
    category: "Home",
    hue: 350,
    variants: [
      { sku: "HOM-THR-NAT", label: "Natural", color: "Natural", priceCents: 7400, onHand: 12 },
      { sku: "HOM-THR-RST", label: "Rust", color: "Rust", priceCents: 7400, onHand: 4 },
    ],
  },
  {
    slug: "cedar-and-smoke-candle",
    name: "Cedar & Smoke Candle",
    description:
      "Hand-poured soy wax with notes of cedarwood, vetiver and a little campfire smoke, in a reusable amber glass jar. About 50 hours.",
    category: "Home",
    hue: 12,
    variants: [{ sku: "HOM-CDL-220", label: "220 g", size: "220 g", priceCents: 3200, onHand: 2 }],
  },
  {
    slug: "market-canvas-tote",
    name: "Market Canvas Tote",
    description:
      "Heavy 16 oz canvas with leather-reinforced handles and an inside zip pocket. Holds a week of groceries or a laptop and a lunch.",
    category: "Accessories",
    hue: 60,
    variants: [
      { sku: "ACC-TOT-NAT", label: "Natural", color: "Natural", priceCents: 3600, onHand: 40, safety: 2 },
      { sku: "ACC-TOT-BLK", label: "Black", color: "Black", priceCents: 3600, onHand: 25, safety: 2 },
    ],
  },
  {
    slug: "merino-rib-beanie",
    name: "Merino Rib Beanie",
    description: "Extra-fine merino in a deep rib knit: warm, not itchy, and it does not lose its shape. Back in the autumn.",
    category: "Accessories",
    hue: 270,
    variants: [
      { sku: "ACC-BNE-CHR", label: "Charcoal", color: "Charcoal", priceCents: 2900, onHand: 0 },
      { sku: "ACC-BNE-MST", label: "Mustard", color: "Mustard", priceCents: 2900, onHand: 0 },
    ],
  },
  {
    slug: "leather-card-wallet",
    name: "Leather Card Wallet",
    description: "Vegetable-tanned leather, hand-stitched with waxed thread. Four card slots and a centre pocket for folded notes.",
    category: "Accessories",
    hue: 28,
    variants: [
      { sku: "ACC-WAL-TAN", label: "Tan", color: "Tan", priceCents: 4500, onHand: 16 },
      { sku: "ACC-WAL-BLK", label: "Black", color: "Black", priceCents: 4500, onHand: 1 },
    ],
  },
  {
    slug: "founders-drop-coach-jacket",
    name: "Founders Drop Coach Jacket",
    description:
      "A numbered run of our coach jacket in a water-repellent nylon shell with a snap front and a printed lining. Once it is gone, it is gone.",
    category: "Limited",
    hue: 320,
    // A limited drop: the badge turns to "only a few left" earlier than for everyday stock.
    lowStockThreshold: 10,
    variants: grid("LTD-FDR", [{ code: "BLK", name: "Black" }], ["S", "M", "L"], 14500, 12, { "BLK:S": 6 }),
  },
  {
    slug: "enamel-pin-set",
    name: "Enamel Pin Set",
    description: "Three hard-enamel pins (a sneaker, a mug and a tiny shopping bag) on a recycled card. Gold-plated, with rubber clutches.",
    category: "Accessories",
    hue: 48,
    variants: [{ sku: "ACC-PIN-SET", label: "Set of 3", priceCents: 1500, onHand: 0 }],
  },
  {
    slug: "launch-runner",
    name: "Launch Runner",
    description:
      "Our first running shoe: a knit upper, a recycled foam midsole and a gum outsole. Released in a flash sale: join the line, and when it is your turn you have two minutes to take a pair.",
    category: "Limited",
    hue: 12,
    lowStockThreshold: 5,
    variants: grid("LTD-RUN", [{ code: "ORG", name: "Ember" }], ["40", "41", "42", "43", "44"], 12900, 20),
  },
];

/** The demo flash sale: the Launch Runner, starting ten minutes after the catalog is seeded. */
export const DEMO_SALE = {
  id: "launch-runner-drop",
  name: "Launch Runner drop",
  description: "100 pairs of the Launch Runner, one per shopper. Everyone who joins before the start gets a random place in line.",
  startsInMs: 10 * 60_000,
  admissionRate: 2,
  perShopperLimit: 1,
  slug: "launch-runner",
} as const;

export interface SeedResult {
  skipped: boolean;
  products: number;
  skus: number;
  /** Events written to the ledger at the end of the seed. */
  ledgerEvents: number;
}

/** Load the demo catalog through upsertSku unless the catalog already has products. */
export async function seed(deps: Deps, who: { source?: string; actor?: string } = {}): Promise<SeedResult> {
  if ((await deps.db.product.count()) > 0) return { skipped: true, products: 0, skus: 0, ledgerEvents: 0 };
  let skus = 0;
  for (const product of DEMO_CATALOG) {
    for (const [position, v] of product.variants.entries()) {
      await upsertSku(deps, {
        sku: v.sku,
        product: {
          slug: product.slug,
          name: product.name,
          description: product.description,
          category: product.category,
          hue: product.hue,
          lowStockThreshold: product.lowStockThreshold ?? 5,
        },
        label: v.label,
        size: v.size ?? null,
        color: v.color ?? null,
        priceCents: v.priceCents,
        onHand: v.onHand,
        safety: v.safety ?? 0,
        position,
        reason: "demo catalog",
        source: who.source ?? "seed",
        actor: who.actor ?? null,
      });
      skus++;
    }
  }
  const saleSkus = DEMO_CATALOG.find((p) => p.slug === DEMO_SALE.slug)!.variants.map((v) => v.sku);
  await createSale(deps, {
    id: DEMO_SALE.id,
    name: DEMO_SALE.name,
    description: DEMO_SALE.description,
    startsAt: new Date(Date.now() + DEMO_SALE.startsInMs),
    admissionRate: DEMO_SALE.admissionRate,
    perShopperLimit: DEMO_SALE.perShopperLimit,
    skus: saleSkus,
  });
  // The sidecar's persister would copy these events later; doing it now means the ledger
  // is complete even if the sidecar never runs (and Redis can be rebuilt from it at once).
  const ledgerEvents = await persistAllPending(deps);
  return { skipped: false, products: DEMO_CATALOG.length, skus, ledgerEvents };
}

async function main(): Promise<void> {
  const { loadRunningStackEnv } = await import("../scripts/stack");
  loadRunningStackEnv();
  const deps = appDeps();
  try {
    const result = await seed(deps);
    console.log(
      result.skipped
        ? "The catalog already has products: nothing seeded."
        : `Seeded ${result.products} products with ${result.skus} SKUs (${result.ledgerEvents} ledger events).`,
    );
  } finally {
    deps.redis.disconnect();
    await deps.db.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
