// Flash sales: the types, defaults and ids every part of a sale shares (see ./index.ts).
import { createHash } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { SALE_ID_PATTERN, type SaleKeys } from "../core/keys";

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

/** What the home page shows of a sale a shopper can still join (lib/sales saleTeasers). */
export interface SaleTeaser {
  id: string;
  name: string;
  status: Exclude<SaleStatus, "closed">;
  /** ms since the epoch */
  startsAt: number;
  skus: string[];
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
export const TICK_LIMITS = { startMoves: 5_000, departures: 1_000, admissions: 5_000 };

export function assertSaleId(id: string): void {
  if (!SALE_ID_PATTERN.test(id) || id.length > 64) throw new DomainError("not_found", "No such sale.");
}

/** One ticket per shopper per sale: derived from the session, so joining twice cannot add a place. */
export function ticketFor(saleId: string, sessionId: string): string {
  return `t_${createHash("sha256").update(`stockwire-ticket\u0000${saleId}\u0000${sessionId}`).digest("base64url").slice(0, 24)}`;
}

export const TICKET_PATTERN = /^t_[A-Za-z0-9_-]{24}$/;

export const k = (deps: Deps, id: string): SaleKeys => deps.keys.sale(id);
