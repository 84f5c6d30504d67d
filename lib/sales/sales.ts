// Flash sales: a fair virtual queue per sale in a Redis Sorted Set (lib/scripts/lua/queue-*.lua),
// admission in exact join order by one admitter per sale (server/admitter.ts), and signed
// admission tokens that the hold path requires for the sale's SKUs (lib/scripts/lua/reserve-3.lua).
//
// Postgres keeps each sale's definition (so Redis can be rebuilt from it); Redis keeps the
// line, the turns and the counters. Every queue operation is one Lua script on the sale's
// hash slot, so it runs unchanged on Redis Cluster.
import { createHash, randomInt } from "node:crypto";
import { productsOfSkus } from "../catalog/catalog";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { stockLevels, type Actor } from "../stock/inventory";
import { SALE_ID_PATTERN, type SaleKeys } from "../core/keys";
import type { Product } from "../shared/types";
import { signAdmissionToken } from "./queue-token";
import { saleControl, saleGate } from "../scripts";

export type SaleStatus = "scheduled" | "starting" | "live" | "paused" | "soldout" | "closed";
export type TicketState = "pre" | "waiting" | "admitted" | "done" | "expired" | "lapsed" | "left" | "soldout" | "closed";

export interface SaleSettings {
  name: string;
  description?: string;
  startsAt: Date;
  /** Shoppers admitted per second at most. */
  admissionRate: number;
  perShopperLimit: number;
  /** How long an admitted shopper has to add sale items to the cart. */
  admissionWindowSeconds: number;
  /** How long a place is kept with no page of it connected. */
  graceSeconds: number;
  /** Admitted-but-unserved shoppers allowed beyond the units left, in percent of them. */
  overAdmitPercent: number;
}

export interface SaleDefinition extends SaleSettings {
  id: string;
  status: SaleStatus;
  skus: string[];
  createdAt: Date;
  closedAt: Date | null;
}

/** The live counters of a sale, as the admitter last left them. */
export interface SaleCounters {
  status: SaleStatus;
  /** Increases with every change worth broadcasting; frames carry it so clients notice a gap. */
  tick: number;
  /** Shoppers admitted so far. */
  admitted: number;
  /** Join sequence of the last shopper admitted: everyone at or below it has had a turn. */
  admittedThrough: number;
  waiting: number;
  prequeue: number;
  /** Units that can be added to a cart now, over all the sale's SKUs. */
  unitsLeft: number;
  /** Units not yet sold (available + in carts). */
  stockLeft: number;
  /** Measured admissions per second (moving average over about ten seconds). */
  rate: number;
  startsAt: number;
  now: number;
}

export interface TicketView {
  state: TicketState;
  /** Join sequence (0 in the pre-queue): admitted in increasing order. */
  seq: number;
  /** 1 = next in line; for the pre-queue, how many are in it. */
  position: number;
  /** End of the turn (ms) when admitted. */
  deadline: number;
  /** Units held or bought under this ticket (counted against the per-shopper limit). */
  units: number;
}

export interface QueueSnapshot extends SaleCounters {
  ticket: TicketView | null;
}

/** What the admitter broadcasts to a sale's room once per tick in which something changed. */
export interface QueueFrame extends SaleCounters {
  saleId: string;
  /** Join sequences of shoppers who left the line (not admitted) this tick. */
  departed: number[];
}

export interface AdmitTickResult {
  frame: QueueFrame;
  changed: boolean;
  /** Tickets admitted this tick (told privately, never broadcast: a ticket id is a capability). */
  admittedTickets: string[];
  deadline: number;
}

export const SALE_DEFAULTS = {
  perShopperLimit: 1,
  admissionWindowSeconds: 120,
  graceSeconds: 300,
  overAdmitPercent: 10,
} as const;

/** Bounds of one admission tick (keep each Lua step short: Redis runs nothing else meanwhile). */
const TICK_LIMITS = { startMoves: 5_000, departures: 1_000, admissions: 5_000 };

export function assertSaleId(id: string): void {
  if (!SALE_ID_PATTERN.test(id) || id.length > 64) throw new DomainError("not_found", "No such sale.");
}

/** One ticket per shopper per sale: derived from the session, so joining twice cannot add a place. */
export function ticketFor(saleId: string, sessionId: string): string {
  return `t_${createHash("sha256").update(`stockwire-ticket\u0000${saleId}\u0000${sessionId}`).digest("base64url").slice(0, 24)}`;
}

export const TICKET_PATTERN = /^t_[A-Za-z0-9_-]{24}$/;

const k = (deps: Deps, id: string): SaleKeys => deps.keys.sale(id);

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
  await saleControl(deps.redis, keys, "configure", settingsFields({ ...sale, skus: sale.skus }));
  if (sale.status === "paused") {
    // A Redis rebuilt while the sale was paused: it must not start admitting by itself.
    const status = await deps.redis.hget(keys.hash, "status");
    if (status === "scheduled") await deps.redis.hset(keys.hash, "status", "paused", "lastStatus", "paused");
  }
  const gates = await Promise.all(
    sale.skus.map((sku) => saleGate(deps.redis, { stockKey: deps.keys.stock(sku), saleId: sale.id, mode: "set" })),
  );
  gates.forEach((gate, i) => {
    if (gate.result === "other_sale") console.error(`[sales] ${sale.skus[i]} of sale ${sale.id} is already in sale ${gate.gate}`);
  });
  await deps.redis.sadd(deps.keys.activeSales, sale.id);
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
    const same =
      existing.name === input.name &&
      sameSet(
        existing.skus.map((s) => s.sku),
        skus,
      ) &&
      existing.status !== "closed";
    if (!same) throw new DomainError("sale_conflict", `A sale with the id ${input.id} already exists.`);
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
  console.log(`[sales] ${id}: ${action} by ${who.actor ?? who.source}`);
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

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}

function parseCounters(raw: Record<string, unknown>): SaleCounters {
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    status: String(raw.status) as SaleStatus,
    tick: n(raw.tick),
    admitted: n(raw.admitted),
    admittedThrough: n(raw.admittedThrough),
    waiting: n(raw.waiting),
    prequeue: n(raw.prequeue),
    unitsLeft: Math.max(0, n(raw.unitsLeft)),
    stockLeft: Math.max(0, n(raw.stockLeft)),
    rate: Math.round(n(raw.rate) * 100) / 100,
    startsAt: n(raw.startsAt),
    now: n(raw.now),
  };
}

/** The sale's counters and, with a ticket, that ticket's exact place. */
export async function queueSnapshot(deps: Deps, saleId: string, ticket: string | null, touch = false): Promise<QueueSnapshot> {
  assertSaleId(saleId);
  const keys = k(deps, saleId);
  const raw = await deps.redis.swQueuePosition(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.admitted,
    keys.seen,
    keys.tickets,
    keys.departed,
    ticket ?? "",
    touch ? "1" : "0",
  );
  if (!raw) throw new DomainError("not_found", "No such sale.");
  const parsed = JSON.parse(raw) as Record<string, unknown> & { ticket?: TicketView };
  return { ...parseCounters(parsed), ticket: parsed.ticket ?? null };
}

export interface JoinResult {
  ticket: string;
  state: TicketState;
  seq: number;
  position: number;
  /** False when the shopper was already in line (same ticket, same place). */
  joined: boolean;
}

/** Join the line (or get the place already held). */
export async function joinQueue(deps: Deps, saleId: string, sessionId: string): Promise<JoinResult> {
  assertSaleId(saleId);
  const keys = k(deps, saleId);
  const ticket = ticketFor(saleId, sessionId);
  const [code, state, seq, position] = await deps.redis.swQueueJoin(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.seen,
    keys.tickets,
    ticket,
    randomInt(2 ** 47),
  );
  if (code === -1) throw new DomainError("not_found", "No such sale.");
  if (code === -2) {
    throw new DomainError(
      state === "soldout" ? "sale_sold_out" : "sale_closed",
      state === "soldout" ? "This sale is sold out." : "This sale is closed.",
    );
  }
  return { ticket, state: state as TicketState, seq, position, joined: code === 1 };
}

export interface TicketStatus extends QueueSnapshot {
  ticket: TicketView;
  ticketId: string;
  /** The signed admission token, while the shopper's turn is open. */
  token: string | null;
}

/** The shopper's own ticket: exact place, and the admission token when it is their turn. */
export async function ticketStatus(deps: Deps, saleId: string, sessionId: string, ticket: string): Promise<TicketStatus> {
  assertSaleId(saleId);
  if (!TICKET_PATTERN.test(ticket) || ticket !== ticketFor(saleId, sessionId)) {
    throw new DomainError("not_found", "No such ticket for this shopper.");
  }
  const snapshot = await queueSnapshot(deps, saleId, ticket, true);
  if (!snapshot.ticket) throw new DomainError("not_found", "No such ticket for this shopper.");
  const token =
    snapshot.ticket.state === "admitted"
      ? await signAdmissionToken({ saleId, ticket, sessionId, expiresAt: snapshot.ticket.deadline }, deps.queueTokenSecret)
      : null;
  return { ...snapshot, ticket: snapshot.ticket, ticketId: ticket, token };
}

/** Leave the line, or give an unused turn back. */
export async function leaveQueue(deps: Deps, saleId: string, sessionId: string, ticket: string): Promise<{ left: boolean }> {
  assertSaleId(saleId);
  if (!TICKET_PATTERN.test(ticket) || ticket !== ticketFor(saleId, sessionId)) {
    throw new DomainError("not_found", "No such ticket for this shopper.");
  }
  const keys = k(deps, saleId);
  const [code] = await deps.redis.swQueueLeave(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.admitted,
    keys.seen,
    keys.tickets,
    keys.departed,
    ticket,
  );
  return { left: code === 1 };
}

/** Shoppers whose sale page is connected keep their place (only entries still in the line are touched); `now` is Redis's clock. */
export async function markPresent(deps: Deps, saleId: string, tickets: string[], now: number): Promise<void> {
  if (tickets.length === 0) return;
  const args = tickets.flatMap((t) => [now, t]);
  await deps.redis.zadd(k(deps, saleId).seen, "XX", ...args);
}

/** Units a sale can still sell: available now, and not yet sold (available + in carts). */
export async function saleStock(deps: Deps, skus: string[]): Promise<{ available: number; stockLeft: number }> {
  const levels = await stockLevels(deps, skus);
  let available = 0;
  let stockLeft = 0;
  for (const level of levels.values()) {
    available += Math.max(0, level.available);
    stockLeft += Math.max(0, level.onHand - level.safety);
  }
  return { available, stockLeft };
}

/** One admission tick (the caller holds the sale's admitter lease). */
export async function admitTick(deps: Deps, saleId: string): Promise<AdmitTickResult | null> {
  const keys = k(deps, saleId);
  const skus = (await deps.redis.hget(keys.hash, "skus"))?.split(",").filter(Boolean) ?? [];
  const { available, stockLeft } = await saleStock(deps, skus);
  const raw = await deps.redis.swQueueAdmit(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.admitted,
    keys.seen,
    keys.tickets,
    keys.departed,
    available,
    stockLeft,
    TICK_LIMITS.startMoves,
    TICK_LIMITS.departures,
    TICK_LIMITS.admissions,
  );
  if (!raw) return null;
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const counters = parseCounters({ ...parsed, startsAt: Number(await deps.redis.hget(keys.hash, "startsAt")) });
  // cjson writes an empty Lua table as {}: treat anything but an array as empty.
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    frame: { saleId, ...counters, departed: list<number>(parsed.departed) },
    changed: parsed.changed === true,
    admittedTickets: list<string>(parsed.admittedTickets),
    deadline: Number(parsed.deadline),
  };
}

/** Take units of a sale under an admission (before the holds); refused claims say why. */
export async function claimAdmission(deps: Deps, saleId: string, ticket: string, reservationId: string, quantity: number): Promise<void> {
  const keys = k(deps, saleId);
  const [code, units, limit] = await deps.redis.swQueueClaim(
    keys.hash,
    keys.admitted,
    keys.tickets,
    keys.claims,
    ticket,
    reservationId,
    quantity,
  );
  if (code > 0) return;
  if (code === -3) {
    throw new DomainError(
      "sale_limit_reached",
      units >= limit
        ? `The limit is ${limit} per shopper in this sale, and you have it already.`
        : `The limit is ${limit} per shopper in this sale: you can add ${limit - units} more.`,
      { limit, taken: units },
    );
  }
  if (code === -2) throw new DomainError("queue_token_invalid", "Your turn in the queue has ended; join the line again.");
  if (code === -4) throw new DomainError("sale_closed", "This sale is closed.");
  throw new DomainError("queue_token_invalid", "This ticket has not been admitted.");
}

/** Give a reservation's claim back to its shopper's allowance (idempotent). */
export async function refundAdmission(deps: Deps, saleId: string, reservationId: string): Promise<void> {
  const keys = k(deps, saleId);
  await deps.redis.swQueueRefund(keys.hash, keys.admitted, keys.tickets, keys.claims, reservationId);
}

/** Which open sale gates each of these SKUs (for the product page and error messages). */
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
