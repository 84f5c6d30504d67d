// Figures for the back office's overview, all from Postgres (one round of cheap counts).
import type { Deps } from "../core/deps";
import { listSaleDefinitions } from "../sales/definitions";
import type { SaleCounters, SaleDefinition } from "../sales/model";
import { queueSnapshot } from "../sales/queue";

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

/** One sidecar's recent emit propagation, as it last wrote it (milliseconds). */
export interface PropagationReport {
  instance: string;
  /** When it was written (ms since the epoch). */
  at: number;
  p50Ms: number | null;
  p99Ms: number | null;
  samples: number;
  windowMs: number;
}

/** Reports older than this are from a sidecar that stopped: the overview leaves them out. */
export const PROPAGATION_STALE_MS = 30_000;

/** Store a sidecar's propagation summary (one hash field per instance; the hash expires if all stop). */
export async function writePropagationReport(deps: Pick<Deps, "redis" | "keys">, report: PropagationReport): Promise<void> {
  await deps.redis
    .multi()
    .hset(deps.keys.propagation, report.instance, JSON.stringify(report))
    .pexpire(deps.keys.propagation, PROPAGATION_STALE_MS * 10)
    .exec();
}

/** Every sidecar's fresh propagation summary, newest first; empty when none wrote lately. */
export async function propagationReports(deps: Pick<Deps, "redis" | "keys">, now = Date.now()): Promise<PropagationReport[]> {
  const raw = await deps.redis.hgetall(deps.keys.propagation);
  const out: PropagationReport[] = [];
  for (const value of Object.values(raw)) {
    try {
      const r = JSON.parse(value) as PropagationReport;
      if (typeof r.instance === "string" && typeof r.at === "number" && now - r.at <= PROPAGATION_STALE_MS) out.push(r);
    } catch {
      // a malformed field is skipped, not fatal
    }
  }
  return out.sort((a, b) => b.at - a.at);
}

export interface TodayFigures {
  ordersToday: number;
  unitsSoldToday: number;
  /** Holds waiting for their deadline (size of the hold-deadlines sorted set). */
  holdsOpen: number;
  /** SKUs with 0 < available <= their low-stock threshold. */
  lowStockSkus: number;
  soldOutSkus: number;
  openAlerts: number;
}

/** Today's trading figures (since midnight UTC): confirmed orders and units from Postgres, live counts from Redis. */
export async function todayFigures(deps: Deps, now = new Date()): Promise<TodayFigures> {
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const confirmedToday = { status: "confirmed", createdAt: { gte: midnight } };
  const [ordersToday, units, holdsOpen, levels, openAlerts] = await Promise.all([
    deps.db.order.count({ where: confirmedToday }),
    deps.db.orderLine.aggregate({ _sum: { quantity: true }, where: { order: confirmedToday } }),
    deps.redis.zcard(deps.keys.holdDeadlines),
    stockHealth(deps),
    deps.db.alert.count({ where: { acknowledgedAt: null } }),
  ]);
  return { ordersToday, unitsSoldToday: units._sum.quantity ?? 0, holdsOpen, ...levels, openAlerts };
}

async function stockHealth(deps: Deps): Promise<{ lowStockSkus: number; soldOutSkus: number }> {
  const skus = await deps.redis.smembers(deps.keys.skuIndex);
  let lowStockSkus = 0;
  let soldOutSkus = 0;
  if (skus.length === 0) return { lowStockSkus, soldOutSkus };
  const pipeline = deps.redis.pipeline();
  for (const sku of skus) pipeline.hmget(deps.keys.stock(sku), "onHand", "reserved", "safety", "low");
  for (const [err, reply] of (await pipeline.exec()) ?? []) {
    if (err) continue;
    const [onHand, reserved, safety, low] = reply as (string | null)[];
    if (onHand == null) continue;
    const available = Number(onHand) - Number(reserved ?? 0) - Number(safety ?? 0);
    if (available <= 0) soldOutSkus++;
    else if (available <= Number(low ?? 5)) lowStockSkus++;
  }
  return { lowStockSkus, soldOutSkus };
}
