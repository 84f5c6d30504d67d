// The script door (./index.ts): the reservation scripts that move, extend, end and settle a
// reservation (placing one: ./placement.ts).
import { type Client } from "./client";

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

// ---- extend-reservation-1.lua ------------------------------------------------------------------

export type ExtendOutcome =
  | { result: "extended"; expiresAt: number }
  | { result: "missing" }
  /** Released, expired or committed. */
  | { result: "not_held" }
  | { result: "deadline_passed" }
  | { result: "already_extended" };

/** Extend a held reservation once by `extraSeconds`. */
export async function extendReservationRecord(
  redis: Client,
  req: { key: string; extraSeconds: number; graceSeconds: number },
): Promise<ExtendOutcome> {
  const [code, expiresAt] = await redis.swExtendReservation(req.key, req.extraSeconds, req.graceSeconds);
  switch (code) {
    case 1:
      return { result: "extended", expiresAt: Number(expiresAt) };
    case -1:
      return { result: "missing" };
    case -2:
      return { result: "not_held" };
    case -3:
      return { result: "deadline_passed" };
    case -4:
      return { result: "already_extended" };
    default:
      throw new Error(`extend-reservation answered an unknown code ${String(code)}`);
  }
}

// ---- release-3.lua -----------------------------------------------------------------------------

export type ReleaseOutcome = { result: "released"; units: number; available: number; version: number } | { result: "nothing_held" };

export interface ReleaseRequest {
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
  channel: string;
  sku: string;
  reservationId: string;
  type: "release" | "expire";
  source: string;
  actor: string;
}

/** Give a reservation's hold on one SKU back (idempotent). */
export async function releaseHold(redis: Client, req: ReleaseRequest): Promise<ReleaseOutcome> {
  const [code, units, available, version] = await redis.swRelease(
    req.stockKey,
    req.holdsKey,
    req.eventsKey,
    req.sku,
    req.reservationId,
    req.type,
    req.source,
    req.actor,
    req.channel,
  );
  if (code === 1) return { result: "released", units, available, version };
  if (code === 0) return { result: "nothing_held" };
  throw new Error(`release answered an unknown code ${String(code)}`);
}

// ---- rebuild-release-orphan-n.lua --------------------------------------------------------------

export type OrphanReleaseOutcome =
  | { result: "released"; units: number; status: string }
  /** The hold is gone or holds other units now. */
  | { result: "changed"; status: string }
  /** The reservation is live (one node only). */
  | { result: "live"; status: string }
  /** Ended but still on the expiry worker's to-do list (one node only). */
  | { result: "on_todo"; status: string };

export interface OrphanReleaseRequest {
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
  /** One node: the reservation's record and the deadline set, checked in the same step. Omitted on Cluster (the caller checked them). */
  check?: { reservationKey: string; deadlinesKey: string };
  channel: string;
  sku: string;
  reservationId: string;
  /** The hold's units as the caller saw them. */
  units: number;
  source: string;
  actor: string;
  reason: string;
}

/** Give back a hold no live reservation owns, only if it still has the units the caller saw. */
export async function releaseOrphanHold(redis: Client, req: OrphanReleaseRequest): Promise<OrphanReleaseOutcome> {
  const keys = [req.stockKey, req.holdsKey, req.eventsKey, ...(req.check ? [req.check.reservationKey, req.check.deadlinesKey] : [])];
  const args = [req.sku, req.reservationId, req.units, req.source, req.actor, req.channel, req.reason];
  const [code, units, , , status] = await redis.swReleaseOrphanHold(keys.length as 3 | 5, ...keys, ...args);
  switch (code) {
    case 1:
      return { result: "released", units, status };
    case 0:
      return { result: "changed", status };
    case -2:
      return { result: "live", status };
    case -3:
      return { result: "on_todo", status };
    default:
      throw new Error(`rebuild-release-orphan answered an unknown code ${String(code)}`);
  }
}

// ---- end-reservation-n.lua ---------------------------------------------------------------------

export type EndReservationOutcome =
  /** Ended and every line given back; `kept`: the deadline entry was kept (a sale claim to refund, or stragglers to wait for). */
  | { result: "ended"; previous: string; released: number; kept: boolean }
  /** No such reservation. */
  | { result: "missing"; status: "" }
  /** Not in one of the expected states; `status` is the one it is in. */
  | { result: "wrong_state"; status: string }
  /** The deadline rule refused. */
  | { result: "deadline"; status: string }
  /** The record holds a SKU that was not passed: nothing changed (read the record again). */
  | { result: "unlisted_sku"; status: string };

export interface EndReservationRequest {
  /** The reservation's hash (keys.reservation(id)). */
  key: string;
  deadlinesKey: string;
  reservationId: string;
  /** Every SKU of the record, each with its keys. */
  lines: readonly { sku: string; stockKey: string; holdsKey: string; eventsKey: string }[];
  from: string | readonly string[];
  to: string;
  /** As in transitionReservation. */
  deadline?: "before" | "after";
  type: "release" | "expire";
  source: string;
  actor: string;
  channel: string;
  /** How long the deadline entry stays when it is kept (ms). */
  lingerMs: number;
  /** Fields set with the move. */
  set?: Record<string, string>;
}

/** End a reservation and give back every unit it holds, in one step (one node only: the keys span slots). */
export async function endReservationRecord(redis: Client, req: EndReservationRequest): Promise<EndReservationOutcome> {
  const from = typeof req.from === "string" ? req.from : req.from.join(",");
  const fields = Object.entries(req.set ?? {}).flat();
  const [code, status, released, kept] = await redis.swEndReservation(
    2 + 3 * req.lines.length,
    req.key,
    req.deadlinesKey,
    ...req.lines.flatMap((l) => [l.stockKey, l.holdsKey, l.eventsKey]),
    req.reservationId,
    from,
    req.to,
    req.deadline ?? "",
    req.type,
    req.source,
    req.actor,
    req.channel,
    req.lingerMs,
    req.lines.length,
    ...req.lines.map((l) => l.sku),
    ...fields,
  );
  switch (code) {
    case 1:
      return { result: "ended", previous: status, released, kept: kept === 1 };
    case -1:
      return { result: "missing", status: "" };
    case -2:
      return { result: "wrong_state", status };
    case -3:
      return { result: "deadline", status };
    case -5:
      return { result: "unlisted_sku", status };
    default:
      throw new Error(`end-reservation answered an unknown code ${String(code)}`);
  }
}
