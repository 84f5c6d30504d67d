// Flash sales: their definitions. Postgres keeps each sale's definition (so Redis can be
// rebuilt from it); this file creates, changes and closes sales and mirrors them into Redis,
// where the queue (./queue.ts) runs. Every multi-step write here is driven through faults by
// tests/faults (docs/reliability.md).
import { productsOfSkus } from "../catalog/catalog";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { type Actor } from "../stock/inventory";
import { SALE_ID_PATTERN } from "../core/keys";
import type { Product } from "../shared/types";
import { saleControl, saleGate } from "../scripts";
import {
  SALE_DEFAULTS,
  type SaleCounters,
  type SaleDefinition,
  type SaleSettings,
  type SaleStatus,
  type SaleTeaser,
  assertSaleId,
  k,
} from "./model";
import { queueSnapshot } from "./queue";
import { logFor } from "../core/log";

const logger = logFor("sales");

function settingsFields(s: Partial<SaleSettings> & { skus?: string[] }): (string | number)[] {
  const out: (string | number)[] = [];
  if (s.name !== undefined) out.push("name", s.name);
  if (s.startsAt !== undefined) out.push("startsAt", s.startsAt.getTime());
  if (s.admissionRate !== undefined) out.push("rate", s.admissionRate);
  if (s.perShopperLimit !== undefined) out.push("limit", s.perShopperLimit);
  if (s.admissionWindowSeconds !== undefined) out.push("window", s.admissionWindowSeconds);
  if (s.graceSeconds !== undefined) out.push("grace", s.graceSeconds);
  if (s.overAdmitPercent !== undefined) out.push("margin", s.overAdmitPercent);
  if (s.skus !== undefined) out.push("skus", s.skus.join(","));
  return out;
}

type SaleRow = NonNullable<Awaited<ReturnType<typeof loadSaleRow>>>;

function loadSaleRow(deps: Deps, id: string) {
  return deps.db.sale.findUnique({ where: { id }, include: { skus: { orderBy: [{ position: "asc" }, { sku: "asc" }] } } });
}

function toDefinition(row: SaleRow): SaleDefinition {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    startsAt: row.startsAt,
    status: row.status as SaleStatus,
    admissionRate: row.admissionRate,
    perShopperLimit: row.perShopperLimit,
    admissionWindowSeconds: row.admissionWindowSeconds,
    graceSeconds: row.graceSeconds,
    overAdmitPercent: row.overAdmitPercent,
    skus: row.skus.map((s) => s.sku),
    createdAt: row.createdAt,
    closedAt: row.closedAt,
  };
}

/** Copy a sale's definition into Redis and put its SKUs behind the queue (idempotent). */
export async function mirrorSale(deps: Deps, sale: SaleDefinition): Promise<void> {
  const keys = k(deps, sale.id);
  if (sale.status === "closed") {
    await saleControl(deps.redis, keys, "close");
    await Promise.all(sale.skus.map((sku) => saleGate(deps.redis, { stockKey: deps.keys.stock(sku), saleId: sale.id, mode: "clear" })));
    await deps.redis.srem(deps.keys.activeSales, sale.id);
    return;
  }
  const configured = await saleControl(deps.redis, keys, "configure", settingsFields({ ...sale, skus: sale.skus }));
  if (configured.result === "not_allowed") {
    // Closed in Redis (the point of no return of a close) while Postgres still says open: a
    // close that died after that step, or one racing this copy. Finish the close.
    await finishClose(deps, sale);
    return;
  }
  if (sale.status === "paused") {
    // A Redis rebuilt while the sale was paused: it must not start admitting by itself.
    const status = await deps.redis.hget(keys.hash, "status");
    if (status === "scheduled") await deps.redis.hset(keys.hash, "status", "paused", "lastStatus", "paused");
  }
  const gates = await Promise.all(
    sale.skus.map((sku) => saleGate(deps.redis, { stockKey: deps.keys.stock(sku), saleId: sale.id, mode: "set" })),
  );
  gates.forEach((gate, i) => {
    if (gate.result === "other_sale") logger.error(`[sales] ${sale.skus[i]} of sale ${sale.id} is already in sale ${gate.gate}`);
    if (gate.result === "unknown_sku") logger.error(`[sales] ${sale.skus[i]} of sale ${sale.id} has no stock in Redis yet: not gated`);
  });
  // On the admitters' list only when every SKU is behind the queue: otherwise syncSales tries
  // again (a SKU sold outside the queue must not look handled).
  if (gates.some((g) => g.result === "unknown_sku" || g.result === "other_sale")) return;
  await deps.redis.sadd(deps.keys.activeSales, sale.id);
  // A close that finished while this copy was made (after the configure above) ungated the SKUs
  // before they were gated again here: look once more, and finish the close if so.
  if ((await deps.redis.hget(keys.hash, "status")) === "closed") await finishClose(deps, sale);
}

export interface SaleInput extends Partial<SaleSettings> {
  id: string;
  name: string;
  startsAt: Date;
  admissionRate: number;
  skus: string[];
}

/** Create and schedule a sale; its SKUs are sold only through its queue from now until it closes. */
export async function createSale(deps: Deps, input: SaleInput): Promise<SaleDefinition> {
  assertSaleIdForCreate(input.id);
  const skus = [...new Set(input.skus)];
  if (skus.length === 0) throw new DomainError("invalid_request", "A sale needs at least one SKU.");
  const known = await deps.db.sku.findMany({ where: { code: { in: skus } }, select: { code: true } });
  const missing = skus.filter((s) => !known.some((r) => r.code === s));
  if (missing.length) throw new DomainError("unknown_sku", `No product variant ${missing.join(", ")}.`, { skus: missing });
  const existing = await loadSaleRow(deps, input.id);
  if (existing) {
    // The same request again (a retry after a timeout, or after this process died between the
    // row and its copy in Redis): finish the copy and answer with the sale. Anything else is a
    // different sale under a taken id.
    if (!sameRequest(existing, input, skus)) throw new DomainError("sale_conflict", `A sale with the id ${input.id} already exists.`);
    const sale = toDefinition(existing);
    await mirrorSale(deps, sale);
    return sale;
  }
  const busy = await deps.db.saleSku.findMany({
    where: { sku: { in: skus }, sale: { status: { not: "closed" } } },
    select: { sku: true, saleId: true },
  });
  if (busy.length) {
    throw new DomainError("sale_conflict", `${busy.map((b) => `${b.sku} (in ${b.saleId})`).join(", ")}: already in an open sale.`, {
      skus: busy.map((b) => b.sku),
    });
  }
  try {
    await deps.db.sale.create({
      data: {
        id: input.id,
        name: input.name,
        description: input.description ?? "",
        startsAt: input.startsAt,
        status: "scheduled",
        admissionRate: input.admissionRate,
        perShopperLimit: input.perShopperLimit ?? SALE_DEFAULTS.perShopperLimit,
        admissionWindowSeconds: input.admissionWindowSeconds ?? SALE_DEFAULTS.admissionWindowSeconds,
        graceSeconds: input.graceSeconds ?? SALE_DEFAULTS.graceSeconds,
        overAdmitPercent: input.overAdmitPercent ?? SALE_DEFAULTS.overAdmitPercent,
        skus: { create: skus.map((sku, position) => ({ sku, position })) },
      },
    });
  } catch (err) {
    // The same request twice at once: the other one created it first.
    if ((err as { code?: string }).code === "P2002") return createSale(deps, input);
    throw err;
  }
  const sale = await getSaleDefinition(deps, input.id);
  await mirrorSale(deps, sale);
  return sale;
}

function assertSaleIdForCreate(id: string): void {
  if (!SALE_ID_PATTERN.test(id) || id.length > 64) {
    throw new DomainError("invalid_request", "id: lower-case words joined by '-', at most 64 characters.");
  }
}

export async function getSaleDefinition(deps: Deps, id: string): Promise<SaleDefinition> {
  assertSaleId(id);
  const row = await loadSaleRow(deps, id);
  if (!row) throw new DomainError("not_found", "No such sale.");
  return toDefinition(row);
}

export async function listSaleDefinitions(deps: Deps, opts: { includeClosed?: boolean } = {}): Promise<SaleDefinition[]> {
  const rows = await deps.db.sale.findMany({
    where: opts.includeClosed ? {} : { status: { not: "closed" } },
    include: { skus: { orderBy: [{ position: "asc" }, { sku: "asc" }] } },
    orderBy: { startsAt: "desc" },
  });
  return rows.map(toDefinition);
}

/** Change a sale's settings; the start time only while it has not started. */
export async function updateSale(deps: Deps, id: string, patch: Partial<SaleSettings>): Promise<SaleDefinition> {
  const sale = await getSaleDefinition(deps, id);
  if (sale.status === "closed") throw new DomainError("sale_closed", "This sale is closed.");
  if (patch.startsAt !== undefined) {
    const live = await deps.redis.hget(k(deps, id).hash, "status");
    if (live !== "scheduled" || sale.startsAt.getTime() <= Date.now()) {
      throw new DomainError("sale_conflict", "The start time can only change before the sale starts.");
    }
  }
  await deps.db.sale.update({ where: { id }, data: { ...patch } });
  const keys = k(deps, id);
  const fields = settingsFields(patch);
  if (fields.length) await saleControl(deps.redis, keys, "configure", fields);
  return getSaleDefinition(deps, id);
}

export type SaleAction = "start" | "pause" | "resume" | "close";

/** Start now, pause or resume admissions, or close the sale (its SKUs go back on open sale). */
export async function controlSale(deps: Deps, id: string, action: SaleAction, who: Actor): Promise<SaleDefinition> {
  const sale = await getSaleDefinition(deps, id);
  const keys = k(deps, id);
  if (sale.status !== "closed") await mirrorSaleIfMissing(deps, sale);
  const control = await saleControl(deps.redis, keys, action);
  if (control.result === "missing") throw new DomainError("not_found", "No such sale.");
  if (control.result === "not_allowed") {
    throw new DomainError("sale_conflict", `A ${control.status} sale cannot be asked to ${action}.`, { status: control.status });
  }
  const data: { status?: string; startsAt?: Date } = {};
  if (action === "start") data.startsAt = new Date(Number(await deps.redis.hget(keys.hash, "startsAt")));
  else data.status = control.status;
  if (action === "close") await finishClose(deps, sale);
  else await deps.db.sale.update({ where: { id }, data });
  logger.info(`[sales] ${id}: ${action} by ${who.actor ?? who.source}`);
  return getSaleDefinition(deps, id);
}

async function mirrorSaleIfMissing(deps: Deps, sale: SaleDefinition): Promise<void> {
  if (!(await deps.redis.exists(k(deps, sale.id).hash))) await mirrorSale(deps, sale);
}

/**
 * Put every open sale of the ledger back into Redis — its definition, not its line — and finish
 * what a process that died part-way left: a sale whose copy is missing (a Redis loss) or was
 * never completed (it is on the admitters' list last, so a sale not on it may have ungated
 * SKUs) is mirrored again; a sale closed in Redis but not in Postgres (a close that died after
 * its irreversible Redis step) is closed in Postgres. Idempotent; the admitter runs it every
 * few seconds.
 */
export async function syncSales(deps: Deps): Promise<number> {
  const open = await listSaleDefinitions(deps);
  let restored = 0;
  for (const sale of open) {
    const status = await deps.redis.hget(k(deps, sale.id).hash, "status");
    if (status === "closed") {
      await finishClose(deps, sale);
      restored++;
      continue;
    }
    if (status && (await deps.redis.sismember(deps.keys.activeSales, sale.id))) continue;
    await mirrorSale(deps, sale);
    restored++;
  }
  return restored;
}

/** The steps of a close after its Redis state change (idempotent): ungate, off the list, in Postgres. */
async function finishClose(deps: Deps, sale: SaleDefinition): Promise<void> {
  await Promise.all(sale.skus.map((sku) => saleGate(deps.redis, { stockKey: deps.keys.stock(sku), saleId: sale.id, mode: "clear" })));
  await deps.redis.srem(deps.keys.activeSales, sale.id);
  await deps.db.sale.updateMany({
    where: { id: sale.id, status: { not: "closed" } },
    data: { status: "closed", closedAt: new Date() },
  });
}

/** Whether a stored sale is what `input` asks for (a retry of the request that created it). */
function sameRequest(row: SaleRow, input: SaleInput, skus: string[]): boolean {
  return (
    row.status !== "closed" &&
    row.name === input.name &&
    row.description === (input.description ?? "") &&
    row.startsAt.getTime() === input.startsAt.getTime() &&
    row.admissionRate === input.admissionRate &&
    row.perShopperLimit === (input.perShopperLimit ?? SALE_DEFAULTS.perShopperLimit) &&
    row.admissionWindowSeconds === (input.admissionWindowSeconds ?? SALE_DEFAULTS.admissionWindowSeconds) &&
    row.graceSeconds === (input.graceSeconds ?? SALE_DEFAULTS.graceSeconds) &&
    row.overAdmitPercent === (input.overAdmitPercent ?? SALE_DEFAULTS.overAdmitPercent) &&
    sameSet(
      row.skus.map((s) => s.sku),
      skus,
    )
  );
}

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}

/** The open sales (from Postgres) of these SKUs: what a rebuilt Redis must gate. */
export async function salesOfSkus(deps: Deps, skus: string[]): Promise<Map<string, { id: string; name: string }>> {
  if (skus.length === 0) return new Map();
  const rows = await deps.db.saleSku.findMany({
    where: { sku: { in: skus }, sale: { status: { not: "closed" } } },
    include: { sale: { select: { id: true, name: true } } },
  });
  return new Map(rows.map((r) => [r.sku, { id: r.sale.id, name: r.sale.name }]));
}

/** The sales gating these SKUs right now, for a product page. */
export async function saleGatesOfSkus(deps: Deps, skus: string[]): Promise<Map<string, { id: string; name: string }>> {
  if (skus.length === 0) return new Map();
  // Read the gates the hold scripts enforce (Redis), not Postgres: product pages keep working
  // through a Postgres outage, and the link shown is exactly the gate a reservation would meet.
  const gates = await Promise.all(skus.map((sku) => deps.redis.hget(deps.keys.stock(sku), "sale")));
  const ids = [...new Set(gates.filter((g): g is string => !!g))];
  const names = await Promise.all(ids.map((id) => deps.redis.hget(k(deps, id).hash, "name")));
  const byId = new Map(ids.map((id, i) => [id, { id, name: names[i] || id }]));
  const out = new Map<string, { id: string; name: string }>();
  skus.forEach((sku, i) => {
    const gate = gates[i];
    if (gate) out.set(sku, byId.get(gate)!);
  });
  return out;
}

/**
 * The sales a shopper can still join, for the home page's banner and badges: read from Redis (the
 * admitters' list and each sale's hash, one round trip), so browsing costs Postgres nothing and
 * keeps working through its outage, as the catalog does.
 */
export async function saleTeasers(deps: Deps): Promise<SaleTeaser[]> {
  const ids = await deps.redis.smembers(deps.keys.activeSales);
  if (ids.length === 0) return [];
  const pipeline = deps.redis.pipeline();
  for (const id of ids) pipeline.hmget(k(deps, id).hash, "name", "status", "startsAt", "skus");
  const replies = (await pipeline.exec()) ?? [];
  return ids.flatMap((id, i) => {
    const [err, reply] = replies[i] ?? [];
    const [name, status, startsAt, skus] = (err ? [] : (reply as (string | null)[])) ?? [];
    if (!status || status === "closed" || !startsAt) return [];
    return [
      { id, name: name || id, status: status as SaleTeaser["status"], startsAt: Number(startsAt), skus: skus ? skus.split(",") : [] },
    ];
  });
}

/** Mirror a status the admitter reached by itself (live at the start, sold out) into Postgres. */
export async function recordSaleStatus(deps: Deps, saleId: string, status: SaleStatus): Promise<void> {
  const stored: SaleStatus = status === "starting" ? "live" : status;
  await deps.db.sale.updateMany({ where: { id: saleId, status: { notIn: ["closed", stored] } }, data: { status: stored } });
}

export interface PublicSale {
  id: string;
  name: string;
  description: string;
  startsAt: string;
  perShopperLimit: number;
  admissionWindowSeconds: number;
  graceSeconds: number;
  counters: SaleCounters;
  products: Product[];
}

/** What a shopper may know about a sale: its definition, live counters and products. */
export async function publicSale(deps: Deps, id: string): Promise<PublicSale> {
  const sale = await getSaleDefinition(deps, id);
  if (sale.status !== "closed") await mirrorSaleIfMissing(deps, sale);
  const [counters, products] = await Promise.all([
    sale.status === "closed" ? null : queueSnapshot(deps, id, null),
    productsOfSkus(deps, sale.skus),
  ]);
  const now = Date.now();
  return {
    id: sale.id,
    name: sale.name,
    description: sale.description ?? "",
    startsAt: new Date(counters?.startsAt || sale.startsAt.getTime()).toISOString(),
    perShopperLimit: sale.perShopperLimit,
    admissionWindowSeconds: sale.admissionWindowSeconds,
    graceSeconds: sale.graceSeconds,
    counters: counters ?? {
      status: "closed",
      tick: 0,
      admitted: 0,
      admittedThrough: 0,
      waiting: 0,
      prequeue: 0,
      unitsLeft: 0,
      stockLeft: 0,
      rate: 0,
      startsAt: sale.startsAt.getTime(),
      now,
    },
    products,
  };
}
