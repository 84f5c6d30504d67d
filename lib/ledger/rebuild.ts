// Redis rebuilt from the ledger (an empty or lost Redis): each SKU's counters from its last
// ledger event, holds that no longer fit ended first, the sales' definitions mirrored again.
import type { Deps } from "../core/deps";
import { type Actor } from "../stock/inventory";
import { endReservation } from "../reservations/end";
import { salesOfSkus, syncSales } from "../sales/definitions";
import { persistAllPending } from "./persister";
import { lastLedgerEvents, releaseOrphanHold } from "./catch-up";
import { rebuildCounters, releaseHold } from "../scripts";
import { logFor } from "../core/log";

const logger = logFor("ledger");

export interface RebuildReport {
  skus: number;
  rebuilt: number;
  unchanged: number;
  /**
   * Holds that no longer fitted (the ledger's onHand − safety was smaller than what Redis held):
   * each reservation was ended ("expired", so the shopper's cart says the hold is gone) before
   * the SKU was rebuilt, or, for a hold no live reservation owned, the hold was given back.
   */
  lostHolds: LostHold[];
  /** SKUs left as they were this time (their holds or their version kept changing); the next run retries. */
  notRebuilt: string[];
  /** SKUs whose sold (committed) holds alone exceed onHand − safety: orders taken for units the ledger lacks. */
  oversold: string[];
}

export interface LostHold {
  sku: string;
  reservationId: string;
  units: number;
  /** The reservation's state before (live: ended by the rebuild), or "" when no live reservation owned it. */
  previous: string;
}

/** Why a rebuild ended a reservation (stored on its record as `endReason`). */
export const LOST_HOLD_REASON = "stock recount: fewer units than were held";

/** Rounds of "end what does not fit, then rebuild" per SKU before leaving it for the next run. */
const FIT_ROUNDS = 4;

export const LIVE = new Set(["pending", "held", "committing"]);

interface RebuildTarget {
  sku: string;
  onHand: number;
  safety: number;
  lowStockThreshold: number;
  location: string;
  ledgerVersion: number;
  saleId: string;
}

type RebuildOutcome = { code: "rebuilt" | "unchanged" | "not_behind" | "unsettled"; available: number; lost: LostHold[] };

/** True when Redis's counters of a SKU are older than the ledger (restored from an older snapshot, or lost). */
export function isBehindLedger(redis: { version: number | null; persisted: number }, ledgerVersion: number): boolean {
  if (redis.version === null) return ledgerVersion > 0;
  return redis.version < ledgerVersion || redis.persisted > redis.version;
}

/**
 * A SKU's holds in the order they are to be kept when not all fit: sold ones (kept whatever
 * the count), then checkouts in progress, then live holds, oldest first, then holds of no live
 * reservation. Ties by reservation id, so the order is the same on every run.
 */
async function rankHolds(deps: Deps, sku: string): Promise<{ reservationId: string; keep: boolean }[]> {
  const holds = await deps.redis.hgetall(deps.keys.holds(sku));
  const ids = Object.keys(holds);
  const records = await Promise.all(ids.map((id) => deps.redis.hmget(deps.keys.reservation(id), "status", "createdAt")));
  const rank = (status: string | null) =>
    status === "committed" ? 0 : status === "committing" ? 1 : status === "held" || status === "pending" ? 2 : 3;
  return ids
    .map((id, i) => ({ id, status: records[i]![0] ?? null, createdAt: Number(records[i]![1] ?? 0) }))
    .sort((a, b) => rank(a.status) - rank(b.status) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((h) => ({ reservationId: h.id, keep: h.status === "committed" }));
}

/**
 * Give up one hold that does not fit. A live reservation is ended first, whole (every line
 * given back, the record "expired" with the reason: the cart says so, checkout refuses it), so
 * no reservation is ever left live with a line taken away. A hold of an ended or missing
 * reservation is simply given back. A sold one is never touched (the next round keeps it).
 */
async function loseHold(deps: Deps, sku: string, id: string, who: Actor): Promise<LostHold | null> {
  const [status, units] = await Promise.all([
    deps.redis.hget(deps.keys.reservation(id), "status"),
    deps.redis.hget(deps.keys.holds(sku), id),
  ]);
  if (units === null) return null;
  if (status === "committed") return null;
  if (status && LIVE.has(status)) {
    const outcome = await endReservation(deps, id, {
      from: ["pending", "held", "committing"],
      to: "expired",
      rule: "",
      type: "expire",
      who,
      fields: { endedBy: who.source, endReason: LOST_HOLD_REASON },
    });
    // Moved meanwhile (sold, or ended by someone else): the next round ranks it again.
    return outcome.ended ? { sku, reservationId: id, units: Number(units), previous: outcome.previous } : null;
  }
  if (status) {
    // Ended: never live again, so its hold here is nobody's (release-3 gives back once at most).
    const released = await releaseHold(deps.redis, {
      stockKey: deps.keys.stock(sku),
      holdsKey: deps.keys.holds(sku),
      eventsKey: deps.keys.events(sku),
      channel: deps.keys.eventsChannel,
      sku,
      reservationId: id,
      type: status === "released" ? "release" : "expire",
      source: who.source,
      actor: who.actor ?? "",
    });
    return released.result === "released" ? { sku, reservationId: id, units: Number(units), previous: "" } : null;
  }
  const released = await releaseOrphanHold(deps, sku, id, Number(units), { ...who, reason: LOST_HOLD_REASON });
  return released.released ? { sku, reservationId: id, units: Number(units), previous: "" } : null;
}

/**
 * Rebuild one SKU: "end what does not fit, then set the counters" in rounds, each round on
 * what Redis holds at that moment. The first round's condition is the caller's: always, only
 * if Redis has no change of onHand or safety the ledger lacks (`onlyIfCaughtUp`), or only if
 * Redis is still behind the ledger at the version this round saw (`onlyIfBehind`: a change
 * landing between that look and the script makes it change nothing, and the round looks
 * again). After reservations were ended, the next round rebuilds only if nothing but holds
 * moved since (their endings emitted events of their own; a sale or an adjustment meanwhile
 * leaves the SKU for the next run).
 */
async function rebuildSku(
  deps: Deps,
  t: RebuildTarget,
  who: Actor,
  opts: { reason: string; onlyIfCaughtUp?: boolean; onlyIfBehind?: boolean },
): Promise<RebuildOutcome> {
  const lost: LostHold[] = [];
  // Set once reservations were ended: the version from which only holds may have moved.
  let base: number | null = null;
  for (let round = 0; round < FIT_ROUNDS; round++) {
    let condition: "always" | "holds_only_since" | "version_still" = "always";
    let seen = "";
    if (base !== null) {
      condition = "holds_only_since";
      seen = String(base);
    } else if (opts.onlyIfBehind) {
      const [version, persisted] = await deps.redis.hmget(deps.keys.stock(t.sku), "version", "persisted");
      const now = { version: version === null ? null : Number(version), persisted: Number(persisted ?? 0) };
      if (!isBehindLedger(now, t.ledgerVersion)) return { code: "not_behind", available: 0, lost };
      condition = "version_still";
      seen = String(now.version ?? 0);
    } else if (opts.onlyIfCaughtUp) {
      condition = "holds_only_since";
    }
    const ranked = await rankHolds(deps, t.sku);
    const rebuilt = await rebuildCounters(deps.redis, {
      stockKey: deps.keys.stock(t.sku),
      holdsKey: deps.keys.holds(t.sku),
      eventsKey: deps.keys.events(t.sku),
      channel: deps.keys.eventsChannel,
      sku: t.sku,
      onHand: t.onHand,
      safety: t.safety,
      lowStockThreshold: t.lowStockThreshold,
      location: t.location,
      ledgerVersion: t.ledgerVersion,
      source: who.source,
      actor: who.actor ?? "",
      reason: opts.reason,
      saleId: t.saleId,
      condition,
      version: seen,
      ranked,
    });
    const { available } = rebuilt;
    if (rebuilt.result === "rebuilt") return { code: "rebuilt", available, lost };
    if (rebuilt.result === "agreed") return { code: "unchanged", available, lost };
    if (rebuilt.result === "other_changes") return { code: base === null ? "unchanged" : "unsettled", available, lost };
    if (rebuilt.result === "version_moved") continue; // a change landed since the look: look again
    if (condition !== "always") base = rebuilt.version;
    for (const id of rebuilt.evict) {
      const gone = await loseHold(deps, t.sku, id, who);
      if (gone) lost.push(gone);
    }
  }
  return { code: "unsettled", available: 0, lost };
}

/**
 * Restore Redis's counters from Postgres: onHand from each SKU's last ledger event (a SKU
 * with no event yet starts at 0), safety and thresholds from the catalog. Events still
 * waiting in Redis streams are persisted first, so nothing in flight is overwritten.
 * Holds that no longer fit onHand − safety are given up first (see rebuild-3.lua, loseHold).
 */
export async function rebuildFromLedger(
  deps: Deps,
  opts: {
    source?: string;
    actor?: string;
    onlySkus?: string[];
    reason?: string;
    /** Leave a SKU alone when Redis has an event the ledger lacks (a live store, not a cold start). */
    onlyIfCaughtUp?: boolean;
    /** Only SKUs whose Redis counters are behind the ledger, checked again as the script runs (see isBehindLedger). */
    onlyIfBehind?: boolean;
  } = {},
): Promise<RebuildReport> {
  const who = { source: opts.source ?? "rebuild", actor: opts.actor ?? "" };
  await persistAllPending(deps);
  const skus = await deps.db.sku.findMany({
    where: opts.onlySkus ? { code: { in: opts.onlySkus } } : {},
    include: { product: { select: { lowStockThreshold: true } } },
  });
  const last = await lastLedgerEvents(deps, opts.onlySkus);
  const gates = await salesOfSkus(
    deps,
    skus.map((s) => s.code),
  );
  const report: RebuildReport = { skus: skus.length, rebuilt: 0, unchanged: 0, lostHolds: [], notRebuilt: [], oversold: [] };
  for (const s of skus) {
    const ledger = last.get(s.code);
    const outcome = await rebuildSku(
      deps,
      {
        sku: s.code,
        onHand: ledger?.onHand ?? 0,
        safety: s.safety,
        lowStockThreshold: s.product.lowStockThreshold,
        location: s.location,
        ledgerVersion: ledger?.version ?? 0,
        saleId: gates.get(s.code)?.id ?? "",
      },
      who,
      { reason: opts.reason ?? "rebuilt from the ledger", onlyIfCaughtUp: opts.onlyIfCaughtUp, onlyIfBehind: opts.onlyIfBehind },
    );
    report.lostHolds.push(...outcome.lost);
    if (outcome.code === "rebuilt") report.rebuilt++;
    else if (outcome.code === "unsettled") report.notRebuilt.push(s.code);
    else report.unchanged++;
    if (outcome.code === "rebuilt" && outcome.available < 0) report.oversold.push(s.code);
    if (outcome.code !== "not_behind") await deps.redis.sadd(deps.keys.skuIndex, s.code);
  }
  for (const l of report.lostHolds) {
    logger.error(
      `[rebuild] ${l.sku}: ${l.units} held unit(s) of ${l.reservationId} no longer fit the ledger's count; ` +
        (l.previous ? `the reservation (${l.previous}) was ended` : "the hold had no live reservation and was given back"),
    );
  }
  for (const sku of report.notRebuilt) logger.error(`[rebuild] ${sku}: left as it was (it kept changing); the next run retries`);
  for (const sku of report.oversold)
    logger.error(`[rebuild] ${sku}: sold holds exceed the ledger's onHand − safety (orders for units the ledger lacks)`);
  await persistAllPending(deps);
  // The sales' working state (not their lines: those are lost with Redis).
  await syncSales(deps);
  return report;
}

/** True when Redis holds no stock counters at all (a fresh or wiped Redis). */
export async function redisIsEmpty(deps: Deps): Promise<boolean> {
  return (await deps.redis.scard(deps.keys.skuIndex)) === 0;
}
