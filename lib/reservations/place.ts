// Placing a reservation. On one Redis node the reservations of one event-loop turn go to Redis
// as one script call (place-reservations-n.lua, a group commit); on Redis Cluster each line is
// a single-SKU atomic step with compensation: if any line is refused, the lines already held
// are released before the caller hears "no". A reservation id derived from (session,
// Idempotency-Key) makes every step idempotent, so a retry after a crash converges on the same
// holds instead of doubling them, and the expiry worker cleans up what a dead process left
// half-done.
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import type { Redis } from "ioredis";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { verifyAdmissionToken } from "../sales/queue-token";
import {
  type Placement,
  type PlacementOutcome,
  extendReservationRecord,
  openReservation,
  placeReservations,
  reserveHold,
  transitionReservation,
} from "../scripts";
import { claimAdmission } from "../sales/queue";
import type { Reservation, ReservationItem } from "../shared/types";
import {
  type PlacedReservation,
  RECORD_GRACE_SECONDS,
  REFUSAL_MEMORY_SECONDS,
  type ReservationRequest,
  getReservation,
  hash,
  normalizeItems,
  parseItems,
} from "./record";
import { endReservation, releaseLines } from "./end";

/**
 * Most reservations in one script call. Redis runs nothing else during a call (~40 µs per
 * reservation), so this bounds what a batch adds to other clients' latency (~1.3 ms).
 */
const MAX_PLACEMENTS_PER_CALL = 32;

const batchers = new WeakMap<Redis, Map<string, DataLoader<Placement, PlacementOutcome>>>();

/**
 * Group commit for the one-step path: the reservations placed in the same turn of the event
 * loop (concurrent requests, the lines of a busy sale) go to Redis as one script call, each
 * still all-or-nothing and in arrival order. Redis then pays its per-call cost (parsing,
 * script dispatch, reply) once per batch rather than per reservation, and this process builds
 * one command instead of dozens. Nothing waits for a batch to fill: a lone request is sent in
 * the same turn, alone (DataLoader's scheduling, no timer; its cache is off: no two calls are
 * the same request).
 */
function placementBatcher(deps: Deps): DataLoader<Placement, PlacementOutcome> {
  let perClient = batchers.get(deps.redis);
  if (!perClient) batchers.set(deps.redis, (perClient = new Map()));
  const { holdDeadlines, eventsChannel } = deps.keys;
  const ttl = deps.holdTtlSeconds;
  const name = `${holdDeadlines}\u0000${eventsChannel}\u0000${ttl}`;
  let loader = perClient.get(name);
  if (!loader) {
    const redis = deps.redis;
    loader = new DataLoader<Placement, PlacementOutcome>(
      async (batch) =>
        placeReservations(redis, {
          deadlinesKey: holdDeadlines,
          channel: eventsChannel,
          ttlSeconds: ttl,
          graceSeconds: RECORD_GRACE_SECONDS,
          placements: batch,
        }),
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
    const placed = await placementBatcher(deps).load({
      key,
      sessionKey: deps.keys.sessionReservations(req.sessionId),
      sessionId: req.sessionId,
      fingerprint,
      reservationId: id,
      kind,
      partial,
      source: req.source,
      actor: req.actor ?? "",
      itemsJson: JSON.stringify(items.map(({ sku, quantity }) => ({ sku, quantity, requested: quantity }))),
      refusalMemorySeconds: req.idempotencyKey ? REFUSAL_MEMORY_SECONDS : 0,
      lines: items.map(({ sku, quantity }) => ({
        sku,
        quantity,
        stockKey: deps.keys.stock(sku),
        holdsKey: deps.keys.holds(sku),
        eventsKey: deps.keys.events(sku),
      })),
    });
    if (placed.result === "placed") {
      const held = items.map((line, i) => ({ sku: line.sku, quantity: placed.held[i]!, requested: line.quantity }));
      return { id, expiresAt: placed.expiresAt, items: held, replayed: false };
    }
    if (placed.result !== "exists") throw refusal(placed.result, items[placed.line]!, placed.available, placed.sale);
    if (placed.fingerprint !== fingerprint) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
    }
    // A retry: a stepwise attempt that died half-way is carried on below, anything else replayed.
    if (placed.status !== "pending") return replay(deps, id);
  }

  const opened = await openReservation(deps.redis, {
    key,
    sessionId: req.sessionId,
    fingerprint,
    itemsJson: JSON.stringify(items),
    ttlSeconds: deps.holdTtlSeconds,
    graceSeconds: RECORD_GRACE_SECONDS,
    kind,
  });
  if (opened.result === "exists") {
    if (opened.fingerprint !== fingerprint) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
    }
    if (opened.status !== "pending") return replay(deps, id);
    // "pending": the first attempt died (or is still running) mid-way; the steps below are
    // idempotent, so carrying on converges on the same holds.
  }
  const { expiresAt } = opened;

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
      reserveHold(deps.redis, {
        stockKey: deps.keys.stock(sku),
        holdsKey: deps.keys.holds(sku),
        eventsKey: deps.keys.events(sku),
        channel: deps.keys.eventsChannel,
        sku,
        reservationId: id,
        quantity,
        partial,
        source: req.source,
        actor: req.actor ?? "",
        saleId: admission?.saleId ?? "",
      }),
    ),
  );

  // The first refused line, if any, refuses the reservation.
  const holds: number[] = [];
  for (const [i, outcome] of replies.entries()) {
    if (outcome.result === "held" || outcome.result === "already_held") {
      holds.push(outcome.held);
      continue;
    }
    const line = items[i]!;
    if (outcome.result === "unknown_sku") return fail(refusal("unknown_sku", line, 0, ""));
    const gate = outcome.result === "sale_gated" ? ((await deps.redis.hget(deps.keys.stock(line.sku), "sale")) ?? "") : "";
    return fail(refusal(outcome.result, line, outcome.available, gate));
  }

  const held: ReservationItem[] = items.map((line, i) => ({ sku: line.sku, quantity: holds[i]!, requested: line.quantity }));
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

/** Why a hold script refused a line (reserveHold, placeReservations). */
type Refusal = "unknown_sku" | "insufficient" | "sale_gated" | "wrong_sale";

/** A refusal the one-step path stored on the record (`refusal.code`: the reserve-3 code); anything else reads as insufficient stock. */
const STORED_REFUSALS: Record<number, Refusal> = { [-1]: "unknown_sku", [-3]: "sale_gated", [-4]: "wrong_sale" };

/** Why a hold script refused a line, in the shopper's words (`saleId`: the sale gating the SKU). */
function refusal(reason: Refusal, line: { sku: string; quantity: number }, available: number, saleId: string): DomainError {
  if (reason === "unknown_sku") return new DomainError("unknown_sku", `No product variant ${line.sku}.`, { sku: line.sku });
  if (reason === "wrong_sale") {
    return new DomainError("queue_token_invalid", `This admission token is not for ${line.sku}.`, { sku: line.sku });
  }
  if (reason === "sale_gated") {
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
    if (line) throw refusal(STORED_REFUSALS[r.code] ?? "insufficient", line, r.available, r.sale);
  }
  if (h.status === "pending") {
    throw new DomainError("request_in_progress", "The same request is still being processed; retry in a moment.");
  }
  if (h.status === "expired" || h.status === "released") {
    throw new DomainError("reservation_expired", `This reservation has ${h.status === "expired" ? "expired" : "been released"}.`);
  }
  return { id, expiresAt: Number(h.expiresAt), items: parseItems(h.items), replayed: true };
}
/** Extend a held reservation once by the hold time (the shopper is checking out). */
export async function extendReservation(deps: Deps, sessionId: string, id: string): Promise<Reservation> {
  const current = await getReservation(deps, sessionId, id);
  const extended = await extendReservationRecord(deps.redis, {
    key: deps.keys.reservation(id),
    extraSeconds: deps.holdTtlSeconds,
    graceSeconds: RECORD_GRACE_SECONDS,
  });
  if (extended.result === "deadline_passed") throw new DomainError("reservation_expired", "This hold has already expired.");
  if (extended.result === "already_extended") throw new DomainError("already_extended", "A hold can be extended only once.");
  if (extended.result !== "extended") throw new DomainError("reservation_not_held", "This reservation is no longer held.");
  await deps.redis.zadd(deps.keys.holdDeadlines, extended.expiresAt, id);
  return { ...current, expiresAt: extended.expiresAt, extended: true };
}
