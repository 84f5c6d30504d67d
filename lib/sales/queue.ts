// Flash sales: a fair virtual queue per sale in a Redis Sorted Set (lib/scripts/lua/queue-*.lua),
// admission in exact join order by one admitter per sale (server/workers/admitter.ts), and signed
// admission tokens that the hold path requires for the sale's SKUs (lib/scripts/lua/reserve-3.lua).
// Redis keeps the line, the turns and the counters. Every queue operation is one Lua script on
// the sale's hash slot, so it runs unchanged on Redis Cluster.
import { randomInt } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { stockLevels } from "../stock/inventory";
import { signAdmissionToken } from "./queue-token";
import {
  type AdmitTickResult,
  type QueueSnapshot,
  type SaleCounters,
  type SaleStatus,
  TICKET_PATTERN,
  TICK_LIMITS,
  type TicketState,
  type TicketView,
  assertSaleId,
  k,
  ticketFor,
} from "./model";
import { queueAdmit, queueClaim, queueJoin, queueLeave, queuePosition, queueRefund } from "../scripts";

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
  const read = await queuePosition(deps.redis, keys, { ticket, touch });
  if (read.result === "missing") throw new DomainError("not_found", "No such sale.");
  return { ...parseCounters(read.counters), ticket: read.ticket as TicketView | null };
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
  const join = await queueJoin(deps.redis, keys, { ticket, randomKey: randomInt(2 ** 47) });
  if (join.result === "missing") throw new DomainError("not_found", "No such sale.");
  if (join.result === "closed") {
    throw new DomainError(
      join.status === "soldout" ? "sale_sold_out" : "sale_closed",
      join.status === "soldout" ? "This sale is sold out." : "This sale is closed.",
    );
  }
  return { ticket, state: join.state as TicketState, seq: join.seq, position: join.position, joined: join.result === "joined" };
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
  return { left: await queueLeave(deps.redis, keys, ticket) };
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
  const tick = await queueAdmit(deps.redis, keys, {
    available,
    stockLeft,
    maxStartMoves: TICK_LIMITS.startMoves,
    maxDepartures: TICK_LIMITS.departures,
    maxAdmissions: TICK_LIMITS.admissions,
  });
  if (tick.result === "missing") return null;
  const parsed = tick.reply;
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
  const claim = await queueClaim(deps.redis, keys, { ticket, reservationId, quantity });
  if (claim.result === "claimed" || claim.result === "already_claimed") return;
  if (claim.result === "over_limit") {
    const { units, limit } = claim;
    throw new DomainError(
      "sale_limit_reached",
      units >= limit
        ? `The limit is ${limit} per shopper in this sale, and you have it already.`
        : `The limit is ${limit} per shopper in this sale: you can add ${limit - units} more.`,
      { limit, taken: units },
    );
  }
  if (claim.result === "turn_ended") throw new DomainError("queue_token_invalid", "Your turn in the queue has ended; join the line again.");
  if (claim.result === "sale_closed") throw new DomainError("sale_closed", "This sale is closed.");
  throw new DomainError("queue_token_invalid", "This ticket has not been admitted.");
}

/** Give a reservation's claim back to its shopper's allowance (idempotent). */
export async function refundAdmission(deps: Deps, saleId: string, reservationId: string): Promise<void> {
  const keys = k(deps, saleId);
  await queueRefund(deps.redis, keys, reservationId);
}
