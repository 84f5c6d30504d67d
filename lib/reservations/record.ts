// Reservations (holds): a cart-level envelope in Redis around per-SKU atomic holds. This file
// holds the record itself: its time limits, its id and fingerprint, and how it is read.
import { MAX_LINES, MAX_QUANTITY, RESERVATION_ID_PATTERN } from "../shared/limits";
import { createHash } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { assertSku, type Actor } from "../stock/inventory";
import type { Reservation, ReservationItem, ReservationStatus } from "../shared/types";

/** How long a finished reservation's record stays readable after its deadline (the cart shows "expired"). */
export const RECORD_GRACE_SECONDS = 24 * 3600;
/**
 * How long a refused request is remembered after its hold time under its Idempotency-Key, so a
 * retry gets the same 409 (a phone that slept, a client that lost the answer in a crash). It
 * held nothing, so running it again after that is harmless; a day, as for held records, would
 * let an anonymous loop of refusals fill Redis (issue 12, defect 8).
 */
export const REFUSAL_MEMORY_SECONDS = 15 * 60;
/** A checkout stalled this long (its process died) is finished or undone by the expiry worker. */
export const STALLED_CHECKOUT_MS = 30_000;

export interface ReservationRequest extends Actor {
  sessionId: string;
  items: { sku: string; quantity: number }[];
  idempotencyKey?: string | null;
  /** Hold what is left when fewer units than asked are available (add-to-cart; single line only). */
  partial?: boolean;
  kind?: "cart" | "sale";
  /** A flash-sale admission token (required for SKUs in a live sale). */
  queueToken?: string | null;
}

export interface PlacedReservation {
  id: string;
  expiresAt: number;
  items: ReservationItem[];
  /** True when this answer is the stored result of an earlier identical request. */
  replayed: boolean;
}

export function hash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url");
}

export function normalizeItems(items: ReservationRequest["items"]): { sku: string; quantity: number }[] {
  if (items.length === 0) throw new DomainError("invalid_request", "A reservation needs at least one item.");
  if (items.length > MAX_LINES) throw new DomainError("invalid_request", `At most ${MAX_LINES} lines per reservation.`);
  const merged = new Map<string, number>();
  for (const { sku, quantity } of items) {
    assertSku(sku);
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new DomainError("invalid_request", `Quantity must be a whole number from 1 to ${MAX_QUANTITY}.`);
    }
    merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  }
  for (const [sku, q] of merged) {
    if (q > MAX_QUANTITY) throw new DomainError("invalid_request", `At most ${MAX_QUANTITY} units of ${sku}.`);
  }
  // A fixed order: two carts holding the same SKUs never interleave in opposite orders.
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

export function parseItems(json: string | undefined | null): ReservationItem[] {
  if (!json) return [];
  try {
    const raw = JSON.parse(json) as { sku: string; quantity: number; requested?: number }[];
    return raw.map((i) => ({ sku: i.sku, quantity: i.quantity, requested: i.requested ?? i.quantity }));
  } catch {
    return [];
  }
}

function toReservation(id: string, h: Record<string, string>): Reservation | null {
  if (!h.status) return null;
  return {
    id,
    status: h.status as ReservationStatus,
    items: parseItems(h.items),
    createdAt: Number(h.createdAt ?? 0),
    expiresAt: Number(h.expiresAt ?? 0),
    extended: h.extended === "1",
    orderId: h.orderId || null,
  };
}

async function loadRaw(deps: Deps, id: string): Promise<Record<string, string> | null> {
  if (!RESERVATION_ID_PATTERN.test(id)) return null;
  const h = await deps.redis.hgetall(deps.keys.reservation(id));
  return h.status ? h : null;
}

/** A reservation as its owner sees it; 404 for anyone else, so ids cannot be probed. */
export async function getReservation(deps: Deps, sessionId: string, id: string): Promise<Reservation> {
  const h = await loadRaw(deps, id);
  if (!h || h.session !== sessionId) throw new DomainError("not_found", "No such reservation.");
  const r = toReservation(id, h);
  if (!r) throw new DomainError("not_found", "No such reservation.");
  return r;
}
/** The shopper's reservations, newest first (held ones and recently ended ones). */
export async function sessionReservations(deps: Deps, sessionId: string): Promise<Reservation[]> {
  const ids = await deps.redis.smembers(deps.keys.sessionReservations(sessionId));
  if (ids.length === 0) return [];
  const pipeline = deps.redis.pipeline();
  for (const id of ids) pipeline.hgetall(deps.keys.reservation(id));
  const replies = (await pipeline.exec()) ?? [];
  const out: Reservation[] = [];
  const gone: string[] = [];
  replies.forEach(([err, h], i) => {
    const id = ids[i]!;
    const r = err ? null : toReservation(id, h as Record<string, string>);
    if (r) out.push(r);
    else gone.push(id);
  });
  if (gone.length) await deps.redis.srem(deps.keys.sessionReservations(sessionId), ...gone);
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

/** Forget ended reservations in the shopper's cart view (expired, released, failed). */
export async function dismissReservation(deps: Deps, sessionId: string, id: string): Promise<void> {
  const r = await getReservation(deps, sessionId, id);
  if (r.status === "held" || r.status === "pending" || r.status === "committing") {
    throw new DomainError("reservation_not_held", "Release a live hold instead of dismissing it.");
  }
  await deps.redis.srem(deps.keys.sessionReservations(sessionId), id);
}
export { parseItems as parseReservationItems };
