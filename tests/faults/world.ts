// What must hold after any fault and its recovery, read from the real Redis and Postgres:
// stock counters against holds against reservations, the ledger against Redis, orders against
// the units they sold, sale claims against live reservations. Each check returns the list of
// violations (sentences) rather than throwing, so a driver can report every broken (step, mode).
//
// Also: "time passes" helpers (age records, make the to-do list due, run the expiry worker) that
// stand in for the sidecar's workers without waiting for real deadlines.
import type { Deps } from "../../lib/core/deps";

export const LIVE = new Set(["pending", "held", "committing", "committed"]);
export const TERMINAL = new Set(["released", "expired", "failed"]);

/** The lib/ entry points the helpers need (imported by the caller, so old trees can be driven too). */
export interface WorldLib {
  expireDueReservations: (deps: Deps, finish: (id: string) => Promise<void>) => Promise<unknown>;
  finishStalledCheckout: (deps: Deps, id: string) => Promise<void>;
  persistAllPending: (deps: Deps) => Promise<number>;
  findDrift?: (
    deps: Deps,
    opts: { onlySkus?: string[] },
  ) => Promise<{ drifts: { sku: string; field: string; redis: number | null; expected: number; reservationId?: string }[] }>;
}

interface ReservationRecord {
  id: string;
  status: string;
  items: { sku: string; quantity: number }[];
  orderId?: string;
  sale?: string;
  raw: Record<string, string>;
}

function parseItems(json: string | undefined): { sku: string; quantity: number }[] {
  if (!json) return [];
  try {
    return (JSON.parse(json) as { sku: string; quantity: number }[]).map((i) => ({ sku: i.sku, quantity: Number(i.quantity) }));
  } catch {
    return [];
  }
}

async function scanKeys(deps: Deps, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await deps.redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== "0");
  return out;
}

/** Every reservation record under the deps' key prefix. */
export async function reservationRecords(deps: Deps): Promise<Map<string, ReservationRecord>> {
  const probe = deps.keys.reservation("X");
  const head = probe.slice(0, probe.indexOf("{") + 1);
  const keys = (await scanKeys(deps, `${head}*`)).filter((k) => k.endsWith("}"));
  const out = new Map<string, ReservationRecord>();
  for (const key of keys) {
    const h = await deps.redis.hgetall(key);
    if (!h.status) continue;
    const id = key.slice(head.length, -1);
    out.set(id, { id, status: h.status, items: parseItems(h.items), orderId: h.orderId || undefined, sale: h.sale || undefined, raw: h });
  }
  return out;
}

export async function redisNowMs(deps: Deps): Promise<number> {
  const [s, us] = await deps.redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/**
 * Let time pass: stalled checkouts look stalled (committingSince long ago), every entry of the
 * to-do list is due, and with `expire` every live hold's deadline has passed too.
 */
export async function ageAll(deps: Deps, opts: { expire: boolean }): Promise<void> {
  const now = await redisNowMs(deps);
  for (const r of (await reservationRecords(deps)).values()) {
    const key = deps.keys.reservation(r.id);
    if (r.status === "committing") await deps.redis.hset(key, "committingSince", String(now - 10 * 60_000));
    if (opts.expire && LIVE.has(r.status)) await deps.redis.hset(key, "expiresAt", String(now - 1_000));
  }
  const due = await deps.redis.zrange(deps.keys.holdDeadlines, 0, -1);
  if (due.length) await deps.redis.zadd(deps.keys.holdDeadlines, ...due.flatMap((id) => [now - 1_000, id]));
}

/**
 * The sidecar's expiry worker after time passed. Phase "A": stalled checkouts are due, live
 * holds are not expired. Phase "B": everything is past its deadline, run until the to-do list
 * is empty (a few rounds: a straggler entry comes back due after its grace).
 */
export async function drain(deps: Deps, lib: WorldLib, phase: "A" | "B"): Promise<void> {
  const rounds = phase === "A" ? 2 : 6;
  for (let i = 0; i < rounds; i++) {
    await ageAll(deps, { expire: phase === "B" });
    await lib.expireDueReservations(deps, (id) => lib.finishStalledCheckout(deps, id));
    if (phase === "B" && (await deps.redis.zcard(deps.keys.holdDeadlines)) === 0) break;
  }
}

export interface StockExpectation {
  /** SKUs to check. */
  skus: string[];
  /** Expected onHand per SKU (checked when given). */
  onHand?: Record<string, number>;
  /** SKUs that must have no counters in Redis. */
  absent?: string[];
  /** After phase B: every hold is gone (nothing can be live any more). */
  allEnded?: boolean;
  /** Sale whose claims must match its live reservations. */
  saleId?: string;
}

/** Stock counters, holds and reservation records agree (invariants 1–5 of the brief). */
export async function checkHolds(deps: Deps, exp: StockExpectation): Promise<string[]> {
  const v: string[] = [];
  const records = await reservationRecords(deps);
  const skus = new Set(exp.skus);
  for (const r of records.values()) for (const i of r.items) skus.add(i.sku);
  const holds = new Map<string, Record<string, string>>();
  for (const sku of skus) holds.set(sku, await deps.redis.hgetall(deps.keys.holds(sku)));
  for (const sku of exp.skus) {
    const stock = await deps.redis.hgetall(deps.keys.stock(sku));
    if (exp.absent?.includes(sku)) {
      if (stock.onHand !== undefined) v.push(`${sku}: counters exist but should not`);
      continue;
    }
    if (stock.onHand === undefined) {
      v.push(`${sku}: no counters in Redis`);
      continue;
    }
    const sum = Object.values(holds.get(sku) ?? {}).reduce((s, q) => s + Number(q), 0);
    if (Number(stock.reserved ?? 0) !== sum) v.push(`${sku}: reserved ${stock.reserved} but its holds sum to ${sum}`);
    const expected = exp.onHand?.[sku];
    if (expected !== undefined && Number(stock.onHand) !== expected) v.push(`${sku}: onHand ${stock.onHand}, expected ${expected}`);
    const available = Number(stock.onHand) - Number(stock.reserved ?? 0) - Number(stock.safety ?? 0);
    if (available < 0) v.push(`${sku}: available ${available} < 0 (oversold)`);
    if (exp.allEnded && sum > 0)
      v.push(`${sku}: ${sum} unit(s) still held after every deadline passed and the worker ran: ${JSON.stringify(holds.get(sku))}`);
  }
  const liveUnits = new Map<string, number>();
  for (const [sku, h] of holds) {
    for (const [rid, q] of Object.entries(h)) {
      const r = records.get(rid);
      if (!r) {
        v.push(`${sku}: ${q} unit(s) held by ${rid}, which has no record`);
        continue;
      }
      if (!LIVE.has(r.status)) continue; // reported below, per reservation
      const line = r.items.find((i) => i.sku === sku);
      if (!line) v.push(`${sku}: ${rid} (${r.status}) holds ${q} unit(s) of a SKU it does not list`);
      else if (r.status !== "pending" && Number(q) !== line.quantity)
        v.push(`${sku}: ${rid} (${r.status}) holds ${q}, its line says ${line.quantity}`);
      liveUnits.set(sku, (liveUnits.get(sku) ?? 0) + Number(q));
    }
  }
  const todo = new Set(await deps.redis.zrange(deps.keys.holdDeadlines, 0, -1));
  for (const r of records.values()) {
    const held = r.items.map((i) => ({ ...i, q: holds.get(i.sku)?.[r.id] }));
    if (TERMINAL.has(r.status)) {
      for (const h of held) if (h.q !== undefined) v.push(`${r.id} is ${r.status} but still holds ${h.q} unit(s) of ${h.sku}`);
      continue;
    }
    if (r.status === "held" || r.status === "committing") {
      for (const h of held)
        if (h.quantity > 0 && h.q === undefined) v.push(`${r.id} is ${r.status} but its line ${h.sku} (${h.quantity}) is not held`);
    }
    const hasUnits = held.some((h) => h.q !== undefined);
    if ((r.status === "pending" || r.status === "held" || r.status === "committing") && hasUnits && !todo.has(r.id)) {
      v.push(`${r.id} is ${r.status} with units but not on the expiry worker's to-do list`);
    }
    if (r.status === "committed" && hasUnits && !todo.has(r.id))
      v.push(`${r.id} is committed, its units not sold, and nothing will sell them (off the to-do list)`);
  }
  if (exp.saleId) v.push(...(await checkSaleClaims(deps, exp.saleId, records)));
  return v;
}

/** A sale's claims: only live or sold reservations keep one, and each ticket's count is its claims' sum. */
async function checkSaleClaims(deps: Deps, saleId: string, records: Map<string, ReservationRecord>): Promise<string[]> {
  const v: string[] = [];
  const keys = deps.keys.sale(saleId);
  const claims = await deps.redis.hgetall(keys.claims);
  const perTicket = new Map<string, number>();
  for (const [rid, claim] of Object.entries(claims)) {
    const [ticket, q] = claim.split(" ");
    const r = records.get(rid);
    if (!r || TERMINAL.has(r.status))
      v.push(`sale ${saleId}: ${rid} (${r?.status ?? "no record"}) still claims ${q} unit(s) of the shopper's limit`);
    perTicket.set(ticket!, (perTicket.get(ticket!) ?? 0) + Number(q));
  }
  const tickets = await deps.redis.hgetall(keys.tickets);
  for (const [ticket, raw] of Object.entries(tickets)) {
    const t = JSON.parse(raw) as { u?: number };
    if ((t.u ?? 0) !== (perTicket.get(ticket) ?? 0))
      v.push(`sale ${saleId}: ticket counts ${t.u ?? 0} unit(s), its claims sum to ${perTicket.get(ticket) ?? 0}`);
  }
  return v;
}

/** After persisting: the ledger holds versions 1..V of each SKU, its last event is Redis's state. */
export async function checkLedger(deps: Deps, lib: WorldLib, skus: string[], opts: { absent?: string[] } = {}): Promise<string[]> {
  const v: string[] = [];
  try {
    await lib.persistAllPending(deps);
  } catch (err) {
    v.push(`persistAllPending failed: ${err instanceof Error ? err.message.split("\n").slice(-1)[0] : String(err)}`);
  }
  const db = deps.db as unknown as Record<string, { findMany: (a: unknown) => Promise<{ version: number | null }[]> } | undefined>;
  for (const sku of skus) {
    if (opts.absent?.includes(sku)) continue;
    const stock = await deps.redis.hgetall(deps.keys.stock(sku));
    if (stock.onHand === undefined) continue;
    const V = Number(stock.version ?? 0);
    if (Number(stock.persisted ?? 0) !== V) v.push(`${sku}: persisted cursor ${stock.persisted ?? 0} behind version ${V}`);
    const rows = await deps.db.inventoryEvent.findMany({ where: { sku }, orderBy: { version: "asc" } });
    const held = new Set((await db.quarantinedEvent?.findMany({ where: { sku } }))?.map((q) => q.version) ?? []);
    const versions = new Set(rows.map((r) => r.version));
    for (let x = 1; x <= V; x++)
      if (!versions.has(x) && !held.has(x)) v.push(`${sku}: version ${x} missing from the ledger (Redis is at ${V})`);
    const extra = rows.filter((r) => r.version > V);
    if (extra.length) v.push(`${sku}: the ledger has versions ${extra.map((r) => r.version).join(",")} beyond Redis's ${V}`);
    const last = rows[rows.length - 1];
    if (last && last.version === V) {
      for (const f of ["onHand", "reserved", "safety"] as const) {
        if (last[f] !== Number(stock[f] ?? 0)) v.push(`${sku}: ledger's last ${f} ${last[f]} != Redis ${stock[f]}`);
      }
    }
    // Each event follows from the one before (nothing applied twice within the ledger).
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      if (b.version !== a.version + 1) continue;
      const onHandMoves = ["sale", "adjust", "restock"].includes(b.type);
      const reservedMoves: Record<string, number> = { hold: -b.delta, release: -b.delta, expire: -b.delta, sale: b.delta };
      if (["hold", "release", "expire", "sale", "adjust", "restock"].includes(b.type)) {
        if (b.onHand !== a.onHand + (onHandMoves ? b.delta : 0))
          v.push(`${sku} v${b.version} (${b.type} ${b.delta}): onHand ${a.onHand} -> ${b.onHand}`);
        if (b.reserved !== a.reserved + (reservedMoves[b.type] ?? 0))
          v.push(`${sku} v${b.version} (${b.type} ${b.delta}): reserved ${a.reserved} -> ${b.reserved}`);
      }
    }
  }
  return v;
}

/** Reconciliation's own view: no drift on these SKUs. */
export async function checkNoDrift(deps: Deps, lib: WorldLib, skus: string[]): Promise<string[]> {
  if (!lib.findDrift || skus.length === 0) return [];
  const { drifts } = await lib.findDrift(deps, { onlySkus: skus });
  return drifts.map(
    (d) =>
      `reconciliation finds drift: ${d.sku} ${d.field} redis=${d.redis} expected=${d.expected}${d.reservationId ? ` (${d.reservationId})` : ""}`,
  );
}

export interface OrderFacts {
  sold: Map<string, number>;
  confirmed: Set<string>;
  violations: string[];
}

/**
 * Orders against the units they took: a confirmed order's reservations are committed to it, and
 * (phase B) their units are sold; no reservation is committed to an order that is not confirmed.
 */
export async function checkOrders(deps: Deps, sessions: string[], phase: "A" | "B"): Promise<OrderFacts> {
  const v: string[] = [];
  const orders = await deps.db.order.findMany({ where: { sessionId: { in: sessions } }, include: { lines: true, reservations: true } });
  const records = await reservationRecords(deps);
  const sold = new Map<string, number>();
  const confirmed = new Set<string>();
  for (const o of orders) {
    if (o.status !== "confirmed") continue;
    confirmed.add(o.id);
    for (const l of o.lines) sold.set(l.sku, (sold.get(l.sku) ?? 0) + l.quantity);
    const linked = o.reservations.map((r) => r.reservationId);
    if (linked.length === 0) v.push(`order ${o.number} is confirmed but links no reservation`);
    for (const rid of linked) {
      const r = records.get(rid);
      if (!r) continue; // its record outlived its grace
      if (r.status !== "committed" || r.orderId !== o.id)
        v.push(`order ${o.number} is confirmed, but its reservation ${rid} is ${r.status}${r.orderId ? ` for order ${r.orderId}` : ""}`);
    }
  }
  for (const r of records.values()) {
    if (r.status !== "committed") continue;
    if (!r.orderId) v.push(`${r.id} is committed to no order`);
    else if (!confirmed.has(r.orderId) && phase === "B") {
      const o = orders.find((x) => x.id === r.orderId);
      v.push(`${r.id} is committed to order ${o?.number ?? r.orderId}, which is ${o?.status ?? "missing"}`);
    }
  }
  return { sold, confirmed, violations: v };
}

/** Close Postgres transactions left open by a "dead" operation (a dead process's connection would drop). */
export async function endOrphanTransactions(deps: Deps): Promise<void> {
  await deps.db.$queryRawUnsafe(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
  );
}
