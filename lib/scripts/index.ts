// The typed door to the Lua scripts: one function per script, named arguments, and a named
// result per outcome instead of the script's bare numeric code (whose meaning differs per
// script: -3 is "the deadline rule refused" here and "below reserved + safety" in adjust).
// Each function calls the registered command (lib/core/redis.ts) exactly once, so a fault injected
// into that command (tests/faults) is still one step.
//
// The scripts not yet behind this door are still called as `deps.redis.swX(...)` from their
// domain files; docs/architecture.md ("The Lua scripts") lists which.
import type { Cluster, Redis } from "ioredis";

type Client = Redis | Cluster;

// ---- transition-reservation-1.lua ------------------------------------------------------------

export type TransitionOutcome =
  /** Moved; `previous` is the state it was in. */
  | { result: "moved"; previous: string; expiresAt: number }
  /** No such reservation (never existed, or long gone). */
  | { result: "missing"; status: ""; expiresAt: 0 }
  /** Not in one of the expected states; `status` is the one it is in. */
  | { result: "wrong_state"; status: string; expiresAt: number }
  /** The deadline rule refused: `before` after the deadline, or `after` before it. */
  | { result: "deadline"; status: string; expiresAt: number };

export interface TransitionRequest {
  /** The reservation's hash (keys.reservation(id)). */
  key: string;
  from: string | readonly string[];
  to: string;
  /** `before`: refuse once the deadline has passed (checkout); `after`: refuse before it (the expiry worker). */
  deadline?: "before" | "after";
  /** Fields set with the move. */
  set?: Record<string, string>;
}

/** Move a reservation between states if and only if it is in one of `from` (and the deadline rule allows). */
export async function transitionReservation(redis: Client, req: TransitionRequest): Promise<TransitionOutcome> {
  const from = typeof req.from === "string" ? req.from : req.from.join(",");
  const fields = Object.entries(req.set ?? {}).flat();
  const [code, status, expiresAt] = await redis.swTransitionReservation(req.key, from, req.to, req.deadline ?? "", ...fields);
  switch (code) {
    case 1:
      return { result: "moved", previous: status, expiresAt: Number(expiresAt) };
    case -1:
      return { result: "missing", status: "", expiresAt: 0 };
    case -2:
      return { result: "wrong_state", status, expiresAt: Number(expiresAt) };
    case -3:
      return { result: "deadline", status, expiresAt: Number(expiresAt) };
    default:
      throw new Error(`transition-reservation answered an unknown code ${String(code)}`);
  }
}

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

// ---- commit-3.lua ------------------------------------------------------------------------------

export type CommitOutcome = { result: "sold"; sold: number; available: number; version: number } | { result: "nothing_held" };

export interface CommitRequest {
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
  channel: string;
  sku: string;
  reservationId: string;
  source: string;
  actor: string;
  /** Recorded as the sale event's reason. */
  orderNumber: string;
}

/** Turn a reservation's hold on one SKU into a sale (idempotent). */
export async function commitHold(redis: Client, req: CommitRequest): Promise<CommitOutcome> {
  const [code, sold, available, version] = await redis.swCommit(
    req.stockKey,
    req.holdsKey,
    req.eventsKey,
    req.sku,
    req.reservationId,
    req.source,
    req.actor,
    req.channel,
    req.orderNumber,
  );
  if (code === 1) return { result: "sold", sold, available, version };
  if (code === 0) return { result: "nothing_held" };
  throw new Error(`commit answered an unknown code ${String(code)}`);
}
