// The script door (./index.ts): the flash-sale scripts.
import { type Client } from "./client";

// ---- sale-gate-1.lua ---------------------------------------------------------------------------

export type SaleGateOutcome =
  | { result: "done"; gate: string }
  | { result: "already"; gate: string }
  | { result: "unknown_sku" }
  /** `set` refused: the SKU is behind another sale (`gate`). */
  | { result: "other_sale"; gate: string };

/** Put a SKU behind a flash sale's queue (`set`) or take it out (`clear`). */
export async function saleGate(redis: Client, req: { stockKey: string; saleId: string; mode: "set" | "clear" }): Promise<SaleGateOutcome> {
  const [code, gate] = await redis.swSaleGate(req.stockKey, req.saleId, req.mode);
  switch (code) {
    case 1:
      return { result: "done", gate };
    case 2:
      return { result: "already", gate };
    case -1:
      return { result: "unknown_sku" };
    case -2:
      return { result: "other_sale", gate };
    default:
      throw new Error(`sale-gate answered an unknown code ${String(code)}`);
  }
}

// ---- sale-control-3.lua ------------------------------------------------------------------------

export type SaleControlOutcome =
  | { result: "done"; status: string }
  /** Already in the state asked for. */
  | { result: "already"; status: string }
  | { result: "missing" }
  /** Not allowed from the sale's current state (`status`). */
  | { result: "not_allowed"; status: string };

export interface SaleKeys {
  hash: string;
  queue: string;
  pre: string;
}

/** Configure a sale's working copy (field, value pairs) or change its state. */
export async function saleControl(
  redis: Client,
  keys: SaleKeys,
  action: "configure" | "start" | "pause" | "resume" | "close",
  fields: (string | number)[] = [],
): Promise<SaleControlOutcome> {
  const [code, status] = await redis.swSaleControl(keys.hash, keys.queue, keys.pre, action, ...fields);
  switch (code) {
    case 1:
      return { result: "done", status };
    case 2:
      return { result: "already", status };
    case -1:
      return { result: "missing" };
    case -2:
      return { result: "not_allowed", status };
    default:
      throw new Error(`sale-control answered an unknown code ${String(code)}`);
  }
}

// ---- queue-join-5.lua, queue-leave-7.lua, queue-claim-4.lua, queue-refund-4.lua ----------------

export interface QueueKeys extends SaleKeys {
  admitted: string;
  seen: string;
  tickets: string;
  departed: string;
  claims: string;
}

export type QueueJoinOutcome =
  | { result: "joined" | "already_in_line"; state: string; seq: number; position: number }
  | { result: "missing" }
  /** The sale no longer takes joins; `status` is the sale's. */
  | { result: "closed"; status: string };

/** Join a sale's line under `ticket` (the pre-queue is ordered by `randomKey`, drawn by the server). */
export async function queueJoin(redis: Client, keys: QueueKeys, req: { ticket: string; randomKey: number }): Promise<QueueJoinOutcome> {
  const [code, state, seq, position] = await redis.swQueueJoin(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.seen,
    keys.tickets,
    req.ticket,
    req.randomKey,
  );
  switch (code) {
    case 1:
      return { result: "joined", state, seq, position };
    case 2:
      return { result: "already_in_line", state, seq, position };
    case -1:
      return { result: "missing" };
    case -2:
      return { result: "closed", status: state };
    default:
      throw new Error(`queue-join answered an unknown code ${String(code)}`);
  }
}

/** Leave the line or give an unused turn back: true when the ticket left now. */
export async function queueLeave(redis: Client, keys: QueueKeys, ticket: string): Promise<boolean> {
  const [code] = await redis.swQueueLeave(keys.hash, keys.queue, keys.pre, keys.admitted, keys.seen, keys.tickets, keys.departed, ticket);
  return code === 1;
}

export type QueueClaimOutcome =
  | { result: "claimed" | "already_claimed"; units: number; limit: number }
  | { result: "not_admitted" }
  | { result: "turn_ended" }
  /** Over the per-shopper limit; `units` already taken. */
  | { result: "over_limit"; units: number; limit: number }
  | { result: "sale_closed" };

/** Take `quantity` units of a sale under an admitted ticket, for one reservation. */
export async function queueClaim(
  redis: Client,
  keys: QueueKeys,
  req: { ticket: string; reservationId: string; quantity: number },
): Promise<QueueClaimOutcome> {
  const [code, units, limit] = await redis.swQueueClaim(
    keys.hash,
    keys.admitted,
    keys.tickets,
    keys.claims,
    req.ticket,
    req.reservationId,
    req.quantity,
  );
  switch (code) {
    case 1:
      return { result: "claimed", units, limit };
    case 2:
      return { result: "already_claimed", units, limit };
    case -1:
      return { result: "not_admitted" };
    case -2:
      return { result: "turn_ended" };
    case -3:
      return { result: "over_limit", units, limit };
    case -4:
      return { result: "sale_closed" };
    default:
      throw new Error(`queue-claim answered an unknown code ${String(code)}`);
  }
}

/** Give a reservation's claim back to its shopper's allowance (idempotent): true when something was refunded. */
export async function queueRefund(redis: Client, keys: QueueKeys, reservationId: string): Promise<boolean> {
  return (await redis.swQueueRefund(keys.hash, keys.admitted, keys.tickets, keys.claims, reservationId)) === 1;
}

// ---- queue-position-7.lua ----------------------------------------------------------------------

/** A ticket's place as queue-position reads it (`state` is one of lib/sales/model.ts's TicketState). */
export interface QueueTicketReply {
  state: string;
  seq: number;
  position: number;
  deadline: number;
  units: number;
}

export type QueuePositionOutcome =
  /** The sale's counters as the script wrote them (JSON fields, for the caller to check), and the ticket's place when asked for and known. */
  | { result: "read"; counters: Record<string, unknown>; ticket: QueueTicketReply | null }
  /** No such sale. */
  | { result: "missing" };

/** Read a sale's counters and, with a ticket, its exact place in one step (`touch`: mark its shopper present). */
export async function queuePosition(
  redis: Client,
  keys: QueueKeys,
  req: { ticket: string | null; touch: boolean },
): Promise<QueuePositionOutcome> {
  const raw = await redis.swQueuePosition(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.admitted,
    keys.seen,
    keys.tickets,
    keys.departed,
    req.ticket ?? "",
    req.touch ? "1" : "0",
  );
  if (!raw) return { result: "missing" };
  const { ticket, ...counters } = JSON.parse(raw) as Record<string, unknown> & { ticket?: QueueTicketReply };
  return { result: "read", counters, ticket: ticket ?? null };
}

// ---- queue-admit-7.lua -------------------------------------------------------------------------

export type QueueAdmitOutcome =
  /**
   * The tick ran: its reply as the script wrote it (JSON fields, for the caller to check): tick,
   * changed, status, counters, departed (join sequences), admittedTickets, deadline. An empty
   * list may come as `{}` (cjson).
   */
  | { result: "ticked"; reply: Record<string, unknown> }
  /** No such sale. */
  | { result: "missing" };

export interface QueueAdmitRequest {
  /** Units available now, summed over the sale's SKUs. */
  available: number;
  /** Units not yet sold (available + held), same SKUs. */
  stockLeft: number;
  /** Most pre-queue entries to shuffle into the line this tick. */
  maxStartMoves: number;
  /** Most lapsed places to drop this tick. */
  maxDepartures: number;
  maxAdmissions: number;
}

/** One admission tick of a sale (the caller holds the sale's admitter lease). */
export async function queueAdmit(redis: Client, keys: QueueKeys, req: QueueAdmitRequest): Promise<QueueAdmitOutcome> {
  const raw = await redis.swQueueAdmit(
    keys.hash,
    keys.queue,
    keys.pre,
    keys.admitted,
    keys.seen,
    keys.tickets,
    keys.departed,
    req.available,
    req.stockLeft,
    req.maxStartMoves,
    req.maxDepartures,
    req.maxAdmissions,
  );
  if (!raw) return { result: "missing" };
  return { result: "ticked", reply: JSON.parse(raw) as Record<string, unknown> };
}
