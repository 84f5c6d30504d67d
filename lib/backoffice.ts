// Figures for the back office's overview, all from Postgres (one round of cheap counts).
import type { Deps } from "./context";
import { listSaleDefinitions, queueSnapshot, type SaleCounters, type SaleDefinition } from "./sales";

export interface BackOfficeSummary {
  products: number;
  skus: number;
  /** Scheduled, live or paused flash sales. */
  openSales: number;
  /** Ledger events recorded in the last 24 hours. */
  eventsLastDay: number;
  activeStaff: number;
  activeApiTokens: number;
}

/** How big the catalog is, what is going on, and who has access. */
export async function backOfficeSummary(deps: Pick<Deps, "db">, now = new Date()): Promise<BackOfficeSummary> {
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  const [products, skus, openSales, eventsLastDay, activeStaff, activeApiTokens] = await Promise.all([
    deps.db.product.count(),
    deps.db.sku.count(),
    deps.db.sale.count({ where: { status: { in: ["scheduled", "live", "paused"] } } }),
    deps.db.inventoryEvent.count({ where: { at: { gte: since } } }),
    deps.db.user.count({ where: { disabledAt: null } }),
    deps.db.apiToken.count({ where: { revokedAt: null } }),
  ]);
  return { products, skus, openSales, eventsLastDay, activeStaff, activeApiTokens };
}

export interface SkuChoice {
  sku: string;
  label: string;
  product: string;
}

/** Every SKU with its product's name, for pickers (the flash-sale form). */
export async function skuChoices(deps: Pick<Deps, "db">): Promise<SkuChoice[]> {
  const rows = await deps.db.sku.findMany({
    select: { code: true, label: true, product: { select: { name: true } } },
    orderBy: [{ product: { name: "asc" } }, { position: "asc" }, { code: "asc" }],
  });
  return rows.map((r) => ({ sku: r.code, label: r.label, product: r.product.name }));
}

export interface SaleBoardEntry {
  sale: SaleDefinition;
  /** Live counters; null for a closed sale or when Redis does not answer. */
  counters: SaleCounters | null;
}

/** Open sales (and the last few closed ones) with their live counters, for the sales screen. */
export async function salesBoard(deps: Deps, closedToShow = 5): Promise<SaleBoardEntry[]> {
  const all = await listSaleDefinitions(deps, { includeClosed: true });
  const open = all.filter((s) => s.status !== "closed");
  const closed = all.filter((s) => s.status === "closed").slice(0, closedToShow);
  const counters = await Promise.all(open.map((s) => queueSnapshot(deps, s.id, null).catch(() => null)));
  return [...open.map((sale, i) => ({ sale, counters: counters[i] ?? null })), ...closed.map((sale) => ({ sale, counters: null }))];
}
