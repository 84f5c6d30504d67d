// Ending a reservation (release, expiry, a stalled checkout undone) and giving its units back:
// one script on one node (end-reservation-n.lua); on Redis Cluster the record ends first and
// stays on the deadline set, the expiry worker's to-do list, until every line is back.
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { type Actor } from "../stock/inventory";
import { redisNow } from "../core/redis";
import { endReservationRecord, releaseHold, transitionReservation } from "../scripts";
import { refundAdmission } from "../sales/queue";
import type { Reservation, ReservationStatus } from "../shared/types";
import { getReservation, parseItems } from "./record";

/**
 * Give back a reservation's units on each SKU (idempotent: lines not held change nothing), and
 * for a flash-sale reservation the units it took from the shopper's per-sale limit.
 */
export async function releaseLines(deps: Deps, id: string, skus: string[], type: "release" | "expire", who: Actor) {
  await Promise.all(
    skus.map((sku) =>
      releaseHold(deps.redis, {
        stockKey: deps.keys.stock(sku),
        holdsKey: deps.keys.holds(sku),
        eventsKey: deps.keys.events(sku),
        channel: deps.keys.eventsChannel,
        sku,
        reservationId: id,
        type,
        source: who.source,
        actor: who.actor ?? "",
      }),
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
  if (!deps.redis.isCluster) {
    // The script refuses (unlisted_sku) when the record names a SKU we did not pass: read again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const skus = parseItems(await deps.redis.hget(key, "items")).map((i) => i.sku);
      const ended = await endReservationRecord(deps.redis, {
        key,
        deadlinesKey: deps.keys.holdDeadlines,
        reservationId: id,
        lines: skus.map((sku) => ({
          sku,
          stockKey: deps.keys.stock(sku),
          holdsKey: deps.keys.holds(sku),
          eventsKey: deps.keys.events(sku),
        })),
        from: req.from,
        to: req.to,
        deadline: req.rule || undefined,
        type: req.type,
        source: req.who.source,
        actor: req.who.actor ?? "",
        channel: deps.keys.eventsChannel,
        lingerMs: STRAGGLER_GRACE_MS,
        set: req.fields,
      });
      if (ended.result === "unlisted_sku") continue;
      if (ended.result !== "ended") return { ended: false, reason: ended.result, status: ended.status as ReservationStatus };
      // Kept: a sale claim to refund (the sale's slot), or stragglers to wait for.
      if (ended.kept) {
        const saleId = await deps.redis.hget(key, "sale");
        if (saleId) await refundAdmission(deps, saleId, id);
        if (ended.previous !== "pending") await deps.redis.zrem(deps.keys.holdDeadlines, id);
      }
      return { ended: true, previous: ended.previous as ReservationStatus };
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
