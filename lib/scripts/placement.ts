// The script door (./index.ts): the scripts that place reservations — the record, one hold at a
// time (Redis Cluster), or a whole batch in one step (one node).
import { type Client } from "./client";

// ---- open-reservation-1.lua --------------------------------------------------------------------

export type OpenReservationOutcome =
  /** Opened now, "pending", with its deadline from Redis's clock. */
  | { result: "opened"; expiresAt: number }
  /** A record with this id exists already (a retry): its fields, for the caller to compare. */
  | { result: "exists"; expiresAt: number; status: string; fingerprint: string; sessionId: string };

export interface OpenReservationRequest {
  /** The reservation's hash (keys.reservation(id)). */
  key: string;
  sessionId: string;
  /** The request's fingerprint (a hash of the items and options). */
  fingerprint: string;
  itemsJson: string;
  ttlSeconds: number;
  /** How long the record outlives its deadline. */
  graceSeconds: number;
  kind: string;
}

/** Open a reservation record (the envelope of per-SKU holds), or find the one a retry opened already. */
export async function openReservation(redis: Client, req: OpenReservationRequest): Promise<OpenReservationOutcome> {
  const [code, expiresAt, status, fingerprint, sessionId] = await redis.swOpenReservation(
    req.key,
    req.sessionId,
    req.fingerprint,
    req.itemsJson,
    req.ttlSeconds,
    req.graceSeconds,
    req.kind,
  );
  switch (code) {
    case 1:
      return { result: "opened", expiresAt };
    case 2:
      return { result: "exists", expiresAt, status, fingerprint, sessionId };
    default:
      throw new Error(`open-reservation answered an unknown code ${String(code)}`);
  }
}

// ---- reserve-3.lua -----------------------------------------------------------------------------

export type ReserveOutcome =
  /** Held `held` units (fewer than asked only when partial). */
  | { result: "held"; held: number; available: number; version: number }
  /** This reservation already holds `held` units here (a retry; nothing changed). */
  | { result: "already_held"; held: number; available: number; version: number }
  | { result: "unknown_sku" }
  /** `available` units are left; nothing held. */
  | { result: "insufficient"; available: number; version: number }
  /** The SKU is behind a flash sale and no admission was presented. */
  | { result: "sale_gated"; available: number; version: number }
  /** An admission was presented for a sale that does not gate this SKU. */
  | { result: "wrong_sale"; available: number; version: number };

export interface ReserveRequest {
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
  channel: string;
  sku: string;
  reservationId: string;
  quantity: number;
  /** Hold what is left when fewer than `quantity` units are. */
  partial: boolean;
  source: string;
  actor: string;
  /** The flash sale whose admission the caller presented ("" for none). */
  saleId: string;
}

/** Hold units of one SKU for a reservation (idempotent per reservation). */
export async function reserveHold(redis: Client, req: ReserveRequest): Promise<ReserveOutcome> {
  const [code, held, available, version] = await redis.swReserve(
    req.stockKey,
    req.holdsKey,
    req.eventsKey,
    req.sku,
    req.reservationId,
    req.quantity,
    req.partial ? "1" : "0",
    req.source,
    req.actor,
    req.channel,
    req.saleId,
  );
  switch (code) {
    case 1:
      return { result: "held", held, available, version };
    case 2:
      return { result: "already_held", held, available, version };
    case -1:
      return { result: "unknown_sku" };
    case -2:
      return { result: "insufficient", available, version };
    case -3:
      return { result: "sale_gated", available, version };
    case -4:
      return { result: "wrong_sale", available, version };
    default:
      throw new Error(`reserve answered an unknown code ${String(code)}`);
  }
}

// ---- place-reservations-n.lua ------------------------------------------------------------------

export interface PlacementLine {
  sku: string;
  quantity: number;
  stockKey: string;
  holdsKey: string;
  eventsKey: string;
}

/** One reservation of a batch. */
export interface Placement {
  /** The reservation's hash (keys.reservation(id)). */
  key: string;
  /** The shopper's cart set (keys.sessionReservations(sessionId)). */
  sessionKey: string;
  sessionId: string;
  fingerprint: string;
  reservationId: string;
  kind: string;
  /** Hold what is left of a single line. */
  partial: boolean;
  source: string;
  actor: string;
  /** The lines as stored when every one is held in full ([{ sku, quantity, requested }]). */
  itemsJson: string;
  /** How long a refusal is kept after its deadline (seconds: the refusal memory under an Idempotency-Key, 0 without one). */
  refusalMemorySeconds: number;
  /** In the caller's fixed SKU order. */
  lines: readonly PlacementLine[];
}

export type PlacementOutcome =
  /** Placed now: `held[i]` units of line i (fewer than asked only when partial). */
  | { result: "placed"; expiresAt: number; held: number[] }
  /** A record with this id exists already (a retry): nothing changed, the caller compares and replays. */
  | { result: "exists"; expiresAt: number; status: string; fingerprint: string }
  /**
   * Refused, nothing held, as reserve-3 would refuse `line` (0-based, the first refused):
   * unknown SKU, insufficient stock (`available` left), or behind a flash sale (`sale`).
   * Stored on the record ("failed"), so a retry with the same key gets the same answer.
   */
  | { result: "unknown_sku" | "insufficient" | "sale_gated"; line: number; available: number; sale: string };

export interface PlaceReservationsRequest {
  deadlinesKey: string;
  channel: string;
  ttlSeconds: number;
  /** How long a record outlives its deadline. */
  graceSeconds: number;
  placements: readonly Placement[];
}

const PLACEMENT_REFUSALS: Record<number, "unknown_sku" | "insufficient" | "sale_gated"> = {
  [-1]: "unknown_sku",
  [-2]: "insufficient",
  [-3]: "sale_gated",
};

/** Place a batch of reservations in one call (one node), each whole or not at all, in order: one outcome per placement. */
export async function placeReservations(redis: Client, req: PlaceReservationsRequest): Promise<PlacementOutcome[]> {
  const keys = [req.deadlinesKey];
  const args: (string | number)[] = [req.ttlSeconds, req.graceSeconds, req.channel, req.placements.length];
  for (const p of req.placements) {
    keys.push(p.key, p.sessionKey, ...p.lines.flatMap((l) => [l.stockKey, l.holdsKey, l.eventsKey]));
    args.push(
      p.sessionId,
      p.fingerprint,
      p.reservationId,
      p.kind,
      p.partial ? "1" : "0",
      p.source,
      p.actor,
      p.itemsJson,
      p.refusalMemorySeconds,
      p.lines.length,
      ...p.lines.flatMap((l) => [l.sku, l.quantity]),
    );
  }
  const replies = await redis.swPlaceReservations(keys.length, ...keys, ...args);
  return replies.map((reply, r): PlacementOutcome => {
    const code = Number(reply[0]);
    if (code === 1) {
      const lines = req.placements[r]?.lines ?? [];
      return { result: "placed", expiresAt: Number(reply[1]), held: lines.map((_, i) => Number(reply[2 + i])) };
    }
    if (code === 2) return { result: "exists", expiresAt: Number(reply[1]), status: String(reply[2]), fingerprint: String(reply[3] ?? "") };
    const refusal = PLACEMENT_REFUSALS[code];
    if (refusal) return { result: refusal, line: Number(reply[1]), available: Number(reply[2]), sale: String(reply[3] ?? "") };
    throw new Error(`place-reservations answered an unknown code ${String(code)}`);
  });
}
