// Reservations (holds): a cart-level envelope in Redis around per-SKU atomic holds.
//
// Placing a multi-line reservation is a sequence of single-SKU atomic steps (so it runs on
// Redis Cluster) with compensation: if any line is refused, the lines already held are
// released before the caller hears "no". A reservation id derived from (session,
// Idempotency-Key) makes every step idempotent, so a retry after a crash converges on the
// same holds instead of doubling them, and the expiry worker cleans up what a dead process
// left half-done.
import { MAX_LINES, MAX_QUANTITY, RESERVATION_ID_PATTERN } from "../shared/limits";
import { createHash, randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import type { Redis } from "ioredis";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { assertSku, type Actor } from "../stock/inventory";
import { verifyAdmissionToken } from "../sales/queue-token";
import { redisNow } from "../core/redis";
import { transitionReservation } from "../scripts";
import { claimAdmission, refundAdmission } from "../sales/sales";
import type { Reservation, ReservationItem, ReservationStatus } from "../shared/types";

/** How long a finished reservation's record stays readable after its deadline (the cart shows "expired"). */
const RECORD_GRACE_SECONDS = 24 * 3600;
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

function hash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url");
}

function normalizeItems(items: ReservationRequest["items"]): { sku: string; quantity: number }[] {
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

function parseItems(json: string | undefined | null): ReservationItem[] {
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

/**
 * Give back a reservation's units on each SKU (idempotent: lines not held change nothing), and
 * for a flash-sale reservation the units it took from the shopper's per-sale limit.
 */
export async function releaseLines(deps: Deps, id: string, skus: string[], type: "release" | "expire", who: Actor) {
  await Promise.all(
    skus.map((sku) =>
      deps.redis.swRelease(
        deps.keys.stock(sku),
        deps.keys.holds(sku),
        deps.keys.events(sku),
        sku,
        id,
        type,
        who.source,
        who.actor ?? "",
        deps.keys.eventsChannel,
      ),
    ),
  );
  const saleId = await deps.redis.hget(deps.keys.reservation(id), "sale");
  if (saleId) await refundAdmission(deps, saleId, id);
}

/**
 * How long an ended reservation that was still "pending" stays in the deadline set: a stepwise
 * placement running elsewhere may hold a line after it ended, and the expiry worker gives that
 * line back when the entry comes due (reconciliation catches anything later still).
 */
export const STRAGGLER_GRACE_MS = 10_000;

export type EndOutcome =
  | { ended: true; previous: ReservationStatus }
  | { ended: false; reason: "missing" | "wrong_state" | "deadline"; status: ReservationStatus | "" };

interface EndRequest {
  from: ReservationStatus[];
  to: "released" | "expired" | "failed";
  /** As in transition-reservation-1.lua: "after" lets only a due reservation end (the expiry worker). */
  rule: "" | "before" | "after";
  type: "release" | "expire";
  who: Actor;
  fields?: Record<string, string>;
}

/**
 * End a live reservation and give back every unit it holds (invariant 5b). On one Redis node
 * the transition and every line's release are one script (end-reservation-n.lua). On Cluster
 * they are steps; the reservation's deadline entry stays in the set until the last one is
 * done, so if this process dies in between the expiry worker finishes the release
 * (finishEndedReservation).
 */
export async function endReservation(deps: Deps, id: string, req: EndRequest): Promise<EndOutcome> {
  const key = deps.keys.reservation(id);
  const fields = Object.entries(req.fields ?? {}).flat();
  if (!deps.redis.isCluster) {
    // The script refuses (-5) when the record names a SKU we did not pass: read again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const skus = parseItems(await deps.redis.hget(key, "items")).map((i) => i.sku);
      const [code, previous, , kept] = await deps.redis.swEndReservation(
        2 + 3 * skus.length,
        key,
        deps.keys.holdDeadlines,
        ...skus.flatMap((sku) => [deps.keys.stock(sku), deps.keys.holds(sku), deps.keys.events(sku)]),
        id,
        req.from.join(","),
        req.to,
        req.rule,
        req.type,
        req.who.source,
        req.who.actor ?? "",
        deps.keys.eventsChannel,
        STRAGGLER_GRACE_MS,
        skus.length,
        ...skus,
        ...fields,
      );
      if (code === -5) continue;
      if (code !== 1) return { ended: false, reason: END_REFUSAL[code] ?? "missing", status: previous as ReservationStatus };
      // Kept: a sale claim to refund (the sale's slot), or stragglers to wait for.
      if (kept === 1) {
        const saleId = await deps.redis.hget(key, "sale");
        if (saleId) await refundAdmission(deps, saleId, id);
        if (previous !== "pending") await deps.redis.zrem(deps.keys.holdDeadlines, id);
      }
      return { ended: true, previous: previous as ReservationStatus };
    }
    throw new Error(`reservation ${id}: its lines kept changing while it was being ended`);
  }
  const moved = await transitionReservation(deps.redis, {
    key,
    from: req.from,
    to: req.to,
    deadline: req.rule || undefined,
    set: req.fields,
  });
  if (moved.result !== "moved") return { ended: false, reason: moved.result, status: moved.status as ReservationStatus };
  await finishEndedReservation(deps, id, { type: req.type, who: req.who, linger: moved.previous === "pending" });
  return { ended: true, previous: moved.previous as ReservationStatus };
}

const END_REFUSAL: Record<number, "missing" | "wrong_state" | "deadline"> = { [-1]: "missing", [-2]: "wrong_state", [-3]: "deadline" };

/**
 * The durable to-do of an ended reservation (released, expired, failed): give back whatever
 * it still holds, refund its sale claim, then drop its deadline entry — or, with `linger`,
 * leave it due again after STRAGGLER_GRACE_MS. Idempotent; the expiry worker calls it for
 * every ended reservation it still finds in the deadline set.
 */
export async function finishEndedReservation(
  deps: Deps,
  id: string,
  opts: { type: "release" | "expire"; who: Actor; linger?: boolean },
): Promise<void> {
  const items = parseItems(await deps.redis.hget(deps.keys.reservation(id), "items"));
  await releaseLines(
    deps,
    id,
    items.map((i) => i.sku),
    opts.type,
    opts.who,
  );
  if (opts.linger) {
    await deps.redis.zadd(deps.keys.holdDeadlines, (await redisNow(deps.redis)) + STRAGGLER_GRACE_MS, id);
  } else {
    await deps.redis.zrem(deps.keys.holdDeadlines, id);
  }
}

/** One reservation for place-reservations-n.lua: its keys, then its values. */
interface Placement {
  keys: string[];
  args: (string | number)[];
}
type PlacementReply = (number | string)[];

/**
 * Most reservations in one script call. Redis runs nothing else during a call (~40 µs per
 * reservation), so this bounds what a batch adds to other clients' latency (~1.3 ms).
 */
const MAX_PLACEMENTS_PER_CALL = 32;

const batchers = new WeakMap<Redis, Map<string, DataLoader<Placement, PlacementReply>>>();

/**
 * Group commit for the one-step path: the reservations placed in the same turn of the event
 * loop (concurrent requests, the lines of a busy sale) go to Redis as one script call, each
 * still all-or-nothing and in arrival order. Redis then pays its per-call cost (parsing,
 * script dispatch, reply) once per batch rather than per reservation, and this process builds
 * one command instead of dozens. Nothing waits for a batch to fill: a lone request is sent in
 * the same turn, alone (DataLoader's scheduling, no timer; its cache is off: no two calls are
 * the same request).
 */
function placementBatcher(deps: Deps): DataLoader<Placement, PlacementReply> {
  let perClient = batchers.get(deps.redis);
  if (!perClient) batchers.set(deps.redis, (perClient = new Map()));
  const { holdDeadlines, eventsChannel } = deps.keys;
  const ttl = deps.holdTtlSeconds;
  const name = `${holdDeadlines}\u0000${eventsChannel}\u0000${ttl}`;
  let loader = perClient.get(name);
  if (!loader) {
    const redis = deps.redis;
    loader = new DataLoader<Placement, PlacementReply>(
      async (batch) => {
        const keys = [holdDeadlines];
        const args: (string | number)[] = [ttl, RECORD_GRACE_SECONDS, eventsChannel, batch.length];
        for (const p of batch) {
          keys.push(...p.keys);
          args.push(...p.args);
        }
        return redis.swPlaceReservations(keys.length, ...keys, ...args);
      },
      { cache: false, maxBatchSize: MAX_PLACEMENTS_PER_CALL, batchScheduleFn: (run) => setImmediate(run) },
    );
    perClient.set(name, loader);
  }
  return loader;
}

/** Place an all-or-nothing hold on every line, or none. */
export async function placeReservation(deps: Deps, req: ReservationRequest): Promise<PlacedReservation> {
  const items = normalizeItems(req.items);
  // A flash-sale token is checked before anything is written: forged, expired or foreign is a 403.
  const admission = req.queueToken ? await verifyAdmissionToken(req.queueToken, req.sessionId, deps.queueTokenSecret) : null;
  // Sale units are all-or-nothing: the claim against the per-shopper limit is for what was asked.
  const partial = Boolean(req.partial) && items.length === 1 && !admission;
  const kind = admission ? "sale" : (req.kind ?? "cart");
  const fingerprint = hash(JSON.stringify(items), partial ? "partial" : "all", kind, admission?.ticket ?? "");
  const id = req.idempotencyKey
    ? `r_${hash("idem", req.sessionId, req.idempotencyKey).slice(0, 32)}`
    : `r_${randomUUID().replaceAll("-", "")}`;
  const key = deps.keys.reservation(id);

  // On one Redis node every key is reachable from one script: the whole reservation is one
  // atomic step, sent with the others of the same tick in one script call (placementBatcher).
  // Flash-sale holds also claim against the shopper's limit (another script, in the sale's
  // slot), so they take the stepwise path below, as every reservation does on Redis Cluster.
  if (!admission && !deps.redis.isCluster) {
    const reply = await placementBatcher(deps).load({
      keys: [
        key,
        deps.keys.sessionReservations(req.sessionId),
        ...items.flatMap(({ sku }) => [deps.keys.stock(sku), deps.keys.holds(sku), deps.keys.events(sku)]),
      ],
      args: [
        req.sessionId,
        fingerprint,
        id,
        kind,
        partial ? "1" : "0",
        req.source,
        req.actor ?? "",
        JSON.stringify(items.map(({ sku, quantity }) => ({ sku, quantity, requested: quantity }))),
        req.idempotencyKey ? REFUSAL_MEMORY_SECONDS : 0,
        items.length,
        ...items.flatMap(({ sku, quantity }) => [sku, quantity]),
      ],
    });
    const code = Number(reply[0]);
    if (code === 1) {
      const held = items.map((line, i) => ({ sku: line.sku, quantity: Number(reply[2 + i]), requested: line.quantity }));
      return { id, expiresAt: Number(reply[1]), items: held, replayed: false };
    }
    if (code < 0) throw refusal(code, items[Number(reply[1])]!, Number(reply[2]), String(reply[3] ?? ""));
    if (reply[3] !== fingerprint) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
    }
    // A retry: a stepwise attempt that died half-way is carried on below, anything else replayed.
    if (reply[2] !== "pending") return replay(deps, id);
  }

  const [opened, expiresAt, status, storedFingerprint] = await deps.redis.swOpenReservation(
    key,
    req.sessionId,
    fingerprint,
    JSON.stringify(items),
    deps.holdTtlSeconds,
    RECORD_GRACE_SECONDS,
    kind,
  );
  if (opened === 2) {
    if (storedFingerprint !== fingerprint) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
    }
    if (status !== "pending") return replay(deps, id);
    // "pending": the first attempt died (or is still running) mid-way; the steps below are
    // idempotent, so carrying on converges on the same holds.
  }

  // The envelope spans three hash tags (the global deadline set, {sessionId}, {reservationId}),
  // so it cannot be one MULTI on Redis Cluster (CROSSSLOT). It needs no atomicity: what matters
  // is that all of it is written before the first hold below, and awaiting every step gives
  // that. A crash part-way leaves a "pending" record with no holds and no claim yet; a retry
  // with the same key redoes these idempotent writes, and once the deadline is in the set the
  // expiry worker ends the record. The deadline goes first for the same reason as before:
  // no unit is ever held under an id the expiry worker cannot find.
  await deps.redis.zadd(deps.keys.holdDeadlines, expiresAt, id);
  await Promise.all([
    // Same slot ({sessionId}): this pair stays one transaction, so the set never lives without a TTL.
    deps.redis
      .multi()
      .sadd(deps.keys.sessionReservations(req.sessionId), id)
      .expire(deps.keys.sessionReservations(req.sessionId), RECORD_GRACE_SECONDS)
      .exec(),
    // Written before claimAdmission, so a rollback or expiry that reads "sale" refunds the claim.
    admission ? deps.redis.hset(key, "sale", admission.saleId, "ticket", admission.ticket) : null,
  ]);

  // The record ends first, and only the request that ends it gives units back: a concurrent
  // retry with the same key that already moved it to "held" keeps its holds (defect 7).
  const fail = async (error: DomainError): Promise<PlacedReservation> => {
    const outcome = await endReservation(deps, id, {
      from: ["pending"],
      to: "failed",
      rule: "",
      type: "release",
      who: { source: req.source, actor: "rollback" },
      fields: { error: JSON.stringify(error.toJSON()) },
    });
    if (outcome.ended) {
      // Bounded like a one-step refusal (the record was opened with a held record's day), but
      // always with the refusal memory: on Cluster the worker may still be giving its lines back
      // (finishEndedReservation reads the record). A death before this leaves the day: one
      // record for a day at worst, not a leak.
      await deps.redis.pexpireat(key, expiresAt + REFUSAL_MEMORY_SECONDS * 1000);
    } else {
      // Another request ended it first (failed, or the worker's expiry) and may have released
      // before this one took a line: give back anything still held under this id (idempotent).
      // A retry that moved it to held (or on) keeps its holds.
      if (outcome.status === "failed" || outcome.status === "released" || outcome.status === "expired") {
        await releaseLines(
          deps,
          id,
          items.map((i) => i.sku),
          "release",
          { source: req.source, actor: "rollback" },
        );
      }
      return replay(deps, id);
    }
    throw error;
  };

  if (admission) {
    const total = items.reduce((sum, i) => sum + i.quantity, 0);
    try {
      await claimAdmission(deps, admission.saleId, admission.ticket, id, total);
    } catch (err) {
      if (err instanceof DomainError) return fail(err);
      throw err;
    }
  }

  const replies = await Promise.all(
    items.map(({ sku, quantity }) =>
      deps.redis.swReserve(
        deps.keys.stock(sku),
        deps.keys.holds(sku),
        deps.keys.events(sku),
        sku,
        id,
        quantity,
        partial ? "1" : "0",
        req.source,
        req.actor ?? "",
        deps.keys.eventsChannel,
        admission?.saleId ?? "",
      ),
    ),
  );

  const refused = replies.findIndex(([code]) => code < 0);
  if (refused >= 0) {
    const [code, , available] = replies[refused]!;
    const line = items[refused]!;
    const gate = code === -3 ? ((await deps.redis.hget(deps.keys.stock(line.sku), "sale")) ?? "") : "";
    return fail(refusal(code, line, available, gate));
  }

  const held: ReservationItem[] = items.map((line, i) => ({ sku: line.sku, quantity: replies[i]![1], requested: line.quantity }));
  const moved = await transitionReservation(deps.redis, { key, from: "pending", to: "held", set: { items: JSON.stringify(held) } });
  if (moved.result !== "moved") {
    const now = moved.status;
    // Someone else finished this reservation first: a concurrent retry (then its answer is
    // ours), or the expiry worker / a failed duplicate, which may have released lines before
    // we held them. Releasing is idempotent, so give back anything still held under this id.
    if (now !== "held" && now !== "committing" && now !== "committed") {
      await releaseLines(
        deps,
        id,
        items.map((i) => i.sku),
        "release",
        { source: req.source, actor: "rollback" },
      );
    }
    return replay(deps, id);
  }
  return { id, expiresAt, items: held, replayed: false };
}

/** Why a hold script refused a line, in the shopper's words (`saleId`: the sale gating the SKU). */
function refusal(code: number, line: { sku: string; quantity: number }, available: number, saleId: string): DomainError {
  if (code === -1) return new DomainError("unknown_sku", `No product variant ${line.sku}.`, { sku: line.sku });
  if (code === -3 || code === -4) {
    if (code === -4) {
      return new DomainError("queue_token_invalid", `This admission token is not for ${line.sku}.`, { sku: line.sku });
    }
    return new DomainError("queue_token_required", `${line.sku} is in a flash sale: join the line to buy it.`, {
      sku: line.sku,
      saleId,
    });
  }
  return new DomainError(
    "insufficient_stock",
    available > 0 ? `Only ${available} of ${line.sku} left: nothing was reserved.` : `${line.sku} is sold out: nothing was reserved.`,
    { sku: line.sku, available: Math.max(0, available), requested: line.quantity },
  );
}

/** The stored outcome of an earlier request with the same Idempotency-Key. */
async function replay(deps: Deps, id: string): Promise<PlacedReservation> {
  const h = await deps.redis.hgetall(deps.keys.reservation(id));
  if (h.status === "failed" && h.error) {
    const stored = JSON.parse(h.error) as { error: { code: DomainError["code"]; message: string; details?: Record<string, unknown> } };
    throw new DomainError(stored.error.code, stored.error.message, stored.error.details);
  }
  if (h.status === "failed" && h.refusal) {
    // Refused by the one-step path, which stores the script's verdict rather than the message.
    const r = JSON.parse(h.refusal) as { code: number; line: number; available: number; sale: string };
    const line = parseItems(h.items)[r.line];
    if (line) throw refusal(r.code, line, r.available, r.sale);
  }
  if (h.status === "pending") {
    throw new DomainError("request_in_progress", "The same request is still being processed; retry in a moment.");
  }
  if (h.status === "expired" || h.status === "released") {
    throw new DomainError("reservation_expired", `This reservation has ${h.status === "expired" ? "expired" : "been released"}.`);
  }
  return { id, expiresAt: Number(h.expiresAt), items: parseItems(h.items), replayed: true };
}

/** Give a held reservation's units back (the shopper removed it from the cart). */
export async function releaseReservation(deps: Deps, sessionId: string, id: string, who: Actor): Promise<Reservation> {
  const current = await getReservation(deps, sessionId, id);
  if (current.status === "released") return current; // releasing twice is a no-op
  const outcome = await endReservation(deps, id, { from: ["held"], to: "released", rule: "", type: "release", who });
  if (!outcome.ended) {
    if (outcome.status === "released") return { ...current, status: "released" };
    throw new DomainError("reservation_not_held", `This reservation is ${outcome.status || "gone"} and can no longer be released.`, {
      status: outcome.status,
    });
  }
  return { ...current, status: "released" };
}

/** Extend a held reservation once by the hold time (the shopper is checking out). */
export async function extendReservation(deps: Deps, sessionId: string, id: string): Promise<Reservation> {
  const current = await getReservation(deps, sessionId, id);
  const [code, expiresAt] = await deps.redis.swExtendReservation(deps.keys.reservation(id), deps.holdTtlSeconds, RECORD_GRACE_SECONDS);
  if (code === -3) throw new DomainError("reservation_expired", "This hold has already expired.");
  if (code === -4) throw new DomainError("already_extended", "A hold can be extended only once.");
  if (code !== 1) throw new DomainError("reservation_not_held", "This reservation is no longer held.");
  await deps.redis.zadd(deps.keys.holdDeadlines, expiresAt, id);
  return { ...current, expiresAt, extended: true };
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

export interface ExpirySweep {
  expired: number;
  recovered: number;
}

/**
 * Expire every reservation whose deadline has passed, by Redis's clock, and drive every
 * unfinished ending to completion (the deadline set is also the to-do list of reservations
 * whose units are not all settled yet). Safe to run from any number of workers at once:
 * each reservation is claimed by one state transition and every follow-up step is idempotent.
 * `finishCheckout` finishes a stalled or half-committed checkout (lib/orders/orders.ts).
 */
export async function expireDueReservations(deps: Deps, finishCheckout: (id: string) => Promise<void>, limit = 500): Promise<ExpirySweep> {
  const now = await redisNow(deps.redis);
  const due = await deps.redis.zrangebyscore(deps.keys.holdDeadlines, "-inf", now, "LIMIT", 0, limit);
  let expired = 0;
  let recovered = 0;
  const worker = { source: "expiry-worker" };
  await Promise.all(
    due.map(async (id) => {
      const outcome = await endReservation(deps, id, {
        from: ["pending", "held"],
        to: "expired",
        rule: "after",
        type: "expire",
        who: worker,
      });
      if (outcome.ended) {
        expired++;
        return;
      }
      if (outcome.reason === "deadline") {
        // Extended since it was read, or extended by a process that died before moving its
        // deadline entry: put the entry at the record's deadline (it would be re-read every sweep).
        const expiresAt = Number(await deps.redis.hget(deps.keys.reservation(id), "expiresAt"));
        if (expiresAt > 0) await deps.redis.zadd(deps.keys.holdDeadlines, expiresAt, id);
        return;
      }
      switch (outcome.status) {
        case "committing":
        case "committed":
          await finishCheckout(id);
          recovered++;
          return;
        case "released":
        case "expired":
        case "failed":
          // Ended, but its units may not all be back yet (a crash mid-way on Cluster, a sale
          // claim to refund, a straggling hold): finish it.
          await finishEndedReservation(deps, id, { type: outcome.status === "released" ? "release" : "expire", who: worker });
          return;
        default:
          await deps.redis.zrem(deps.keys.holdDeadlines, id); // gone
      }
    }),
  );
  return { expired, recovered };
}

export { parseItems as parseReservationItems };
