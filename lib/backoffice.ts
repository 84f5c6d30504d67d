// Figures for the back office's overview, all from Postgres (one round of cheap counts).
import type { Deps } from "./context";

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
