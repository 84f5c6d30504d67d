// The durable ledger: every stock event reaches Postgres at least once from the SKU's Redis
// stream, and lands exactly once thanks to its (sku, version) primary key. Redis can be
// rebuilt from it.
import { randomBytes } from "node:crypto";
import type { AdminAlert } from "../backoffice/alerts";
import type { Deps } from "../core/deps";
import { knownSkus, type Actor } from "../stock/inventory";
import { errorSummary, isDataError, quarantineEntries, type QuarantineCandidate } from "./quarantine";
import { isPgInt } from "../shared/validation";
import { endReservation } from "../reservations/reservations";
import { salesOfSkus, syncSales } from "../sales/sales";
import { eventFromStream } from "../events/codec";
import type { StockEvent } from "../shared/types";

const BATCH = 500;

function nextStreamId(id: string): string {
  const [ms, seq] = id.split("-");
  return `${ms}-${Number(seq ?? 0) + 1}`;
}

type LedgerRow = ReturnType<typeof ledgerRow>;

function ledgerRow(e: StockEvent) {
  return {
    sku: e.sku,
    version: e.version,
    type: e.type,
    location: e.location,
    delta: e.delta,
    onHand: e.onHand,
    reserved: e.reserved,
    safety: e.safety,
    available: e.available,
    reason: e.reason,
    source: e.source,
    actor: e.actor,
    reservationId: e.reservationId,
    at: new Date(e.at),
  };
}

const COMPARED = [
  "type",
  "location",
  "delta",
  "onHand",
  "reserved",
  "safety",
  "available",
  "reason",
  "source",
  "actor",
  "reservationId",
] as const;

/** The fields in which a ledger row differs from the event that claims its (sku, version). */
function differingFields(existing: Record<(typeof COMPARED)[number], unknown> & { at: Date }, event: LedgerRow): string[] {
  const out: string[] = COMPARED.filter((f) => existing[f] !== event[f]);
  if (existing.at.getTime() !== event.at.getTime()) out.push("at");
  return out;
}

/** What a persister reports besides the events it wrote. */
export interface PersistHooks {
  /** Called before each batch; false stops the copy (a lease was lost: its new holder carries on). */
  beforeBatch?: () => Promise<boolean>;
  /** Told how many events each batch sent to Postgres (the work done, duplicates included). */
  onBatch?: (events: number) => void;
  /** Told when events of the SKU were newly quarantined, with the alert that opened (null: one was open). */
  onQuarantined?: (sku: string, count: number, alert: AdminAlert | null) => void;
}

/**
 * Copy a SKU's not-yet-persisted events from its Redis stream into the ledger, then move
 * the SKU's persisted cursor and trim the stream. Returns how many events were written.
 * Safe to run concurrently with itself: inserts skip duplicates and the cursor only advances.
 *
 * Nothing one event carries can stop the copy (invariant 9): when Postgres refuses a batch for
 * its data, the batch is written event by event and each event still refused is quarantined
 * whole (lib/ledger/quarantine.ts); an event whose (sku, version) the ledger already holds with a
 * different payload is quarantined as a version collision. Either way the cursor moves past
 * it. An error that is not about the data (Postgres down) quarantines nothing: it is thrown,
 * the cursor stays, and the next run copies the same events again.
 */
export async function persistSkuEvents(deps: Deps, sku: string, opts: PersistHooks = {}): Promise<number> {
  let written = 0;
  let start = "-";
  for (;;) {
    if (opts.beforeBatch && !(await opts.beforeBatch())) return written;
    const entries = await deps.redis.xrange(deps.keys.events(sku), start, "+", "COUNT", BATCH);
    if (entries.length === 0) return written;
    const events = entries.map(([, fields]) => eventFromStream(fields));
    const rows = events.map(ledgerRow);
    opts.onBatch?.(events.length);
    const held: QuarantineCandidate[] = [];
    const refused = new Set<number>();
    let count: number;
    try {
      count = (await deps.db.inventoryEvent.createMany({ data: rows, skipDuplicates: true })).count;
    } catch (err) {
      if (!isDataError(err)) throw err;
      // One refused row fails the whole statement: find which by writing them one by one.
      count = 0;
      for (const [i, row] of rows.entries()) {
        try {
          count += (await deps.db.inventoryEvent.createMany({ data: [row], skipDuplicates: true })).count;
        } catch (one) {
          if (!isDataError(one)) throw one;
          refused.add(i);
          held.push({ streamId: entries[i]![0], fields: entries[i]![1], kind: "refused", error: errorSummary(one) });
        }
      }
    }
    // Fewer rows than events: some were in the ledger already. The same payload is a harmless
    // second copy (a racing persister, a crash before the cursor moved); another one is not.
    if (count + refused.size < rows.length) {
      const candidates = rows.flatMap((row, i) => (!refused.has(i) && row.sku === sku && isPgInt(row.version) ? [{ row, i }] : []));
      const existing = await deps.db.inventoryEvent.findMany({
        where: { sku, version: { in: candidates.map((c) => c.row.version) } },
        select: {
          version: true,
          type: true,
          location: true,
          delta: true,
          onHand: true,
          reserved: true,
          safety: true,
          available: true,
          reason: true,
          source: true,
          actor: true,
          reservationId: true,
          at: true,
        },
      });
      const byVersion = new Map(existing.map((r) => [r.version, r]));
      for (const { row, i } of candidates) {
        const there = byVersion.get(row.version);
        const differs = there ? differingFields(there, row) : [];
        if (differs.length === 0) continue;
        held.push({
          streamId: entries[i]![0],
          fields: entries[i]![1],
          kind: "version_collision",
          error: `version ${row.version} of ${sku} is already in the ledger with a different ${differs.join(", ")}`,
        });
      }
    }
    if (held.length > 0) {
      const { quarantined, alert } = await quarantineEntries(deps, sku, held);
      if (quarantined > 0) opts.onQuarantined?.(sku, quarantined, alert);
      // An entry without a usable version cannot move the cursor past itself: now that it is
      // kept in the quarantine, it leaves the stream explicitly.
      const unversioned = held.filter((h) => !isPgInt(Number(eventFromStream(h.fields).version))).map((h) => h.streamId);
      if (unversioned.length > 0) await deps.redis.xdel(deps.keys.events(sku), ...unversioned);
    }
    written += count;
    const lastId = entries[entries.length - 1]![0];
    const versions = rows.map((r) => r.version).filter(isPgInt);
    if (versions.length > 0) {
      await deps.redis.swMarkPersisted(deps.keys.stock(sku), deps.keys.events(sku), Math.max(...versions), nextStreamId(lastId));
    }
    if (entries.length < BATCH) return written;
    start = nextStreamId(lastId);
  }
}

/** How a sidecar's workers copy a SKU's events under its persist lease. */
export interface PersistClaim {
  /** Lease time to live, renewed before every batch; a crashed holder's claim lapses after it. */
  ttlMs: number;
  onBatch?: (events: number) => void;
  onQuarantined?: PersistHooks["onQuarantined"];
}

/**
 * persistSkuEvents, but only in one sidecar at a time: every sidecar hears every event, so
 * without this N sidecars would race to copy the same entries (the ledger stays right thanks
 * to the primary key, the work is done N times). The SKU's lease is held only while copying;
 * returns null when another sidecar holds it (it heard the same events and copies them; a
 * holder that crashed leaves them to the next event or to the sweep once its lease lapses).
 */
export async function persistSkuEventsExclusively(deps: Deps, sku: string, claim: PersistClaim): Promise<number | null> {
  const lease = deps.keys.lease(`persist:${sku}`);
  // A token per copy, not per sidecar: a sidecar's own sweep and persist loop must exclude each other too.
  const token = randomBytes(12).toString("base64url");
  if ((await deps.redis.swLease(lease, "acquire", token, claim.ttlMs)) !== 1) return null;
  try {
    let batches = 0;
    return await persistSkuEvents(deps, sku, {
      // The first batch runs under the lease just taken; later ones renew it (a long backlog).
      beforeBatch: async () => batches++ === 0 || (await deps.redis.swLease(lease, "acquire", token, claim.ttlMs)) === 1,
      onBatch: claim.onBatch,
      onQuarantined: claim.onQuarantined,
    });
  } finally {
    await deps.redis.swLease(lease, "release", token, 0);
  }
}

/**
 * Persist the pending events of every SKU whose version is ahead of its persisted cursor.
 * With a claim, each SKU is copied under its persist lease (skipped while another sidecar copies it).
 * A SKU that fails does not keep the others from their turn: with `onError` each failure is
 * reported there and the call succeeds; without it, the first failure is thrown after every SKU was tried.
 */
export async function persistAllPending(
  deps: Deps,
  claim?: PersistClaim,
  opts: { onError?: (sku: string, err: unknown) => void } = {},
): Promise<number> {
  const skus = await knownSkus(deps);
  if (skus.length === 0) return 0;
  const pipeline = deps.redis.pipeline();
  for (const sku of skus) pipeline.hmget(deps.keys.stock(sku), "version", "persisted");
  const replies = (await pipeline.exec()) ?? [];
  const behind = skus.filter((_, i) => {
    const [err, v] = replies[i] ?? [];
    const [version, persisted] = (v as (string | null)[] | undefined) ?? [];
    return !err && Number(version ?? 0) > Number(persisted ?? 0);
  });
  let written = 0;
  let failure: { err: unknown } | null = null;
  for (const sku of behind) {
    try {
      written += (claim ? await persistSkuEventsExclusively(deps, sku, claim) : await persistSkuEvents(deps, sku)) ?? 0;
    } catch (err) {
      if (opts.onError) opts.onError(sku, err);
      else failure ??= { err };
    }
  }
  if (failure) throw failure.err;
  return written;
}

/** Events in Redis streams not yet in the ledger, summed over every SKU (the persister's lag). */
export async function pendingLedgerEvents(deps: Deps): Promise<number> {
  const skus = await knownSkus(deps);
  if (skus.length === 0) return 0;
  const pipeline = deps.redis.pipeline();
  for (const sku of skus) pipeline.hmget(deps.keys.stock(sku), "version", "persisted");
  let pending = 0;
  for (const [err, reply] of (await pipeline.exec()) ?? []) {
    if (err) continue;
    const [version, persisted] = reply as (string | null)[];
    pending += Math.max(0, Number(version ?? 0) - Number(persisted ?? 0));
  }
  return pending;
}

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

const LIVE = new Set(["pending", "held", "committing"]);

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
async function rankHolds(deps: Deps, sku: string): Promise<string[]> {
  const holds = await deps.redis.hgetall(deps.keys.holds(sku));
  const ids = Object.keys(holds);
  const records = await Promise.all(ids.map((id) => deps.redis.hmget(deps.keys.reservation(id), "status", "createdAt")));
  const rank = (status: string | null) =>
    status === "committed" ? 0 : status === "committing" ? 1 : status === "held" || status === "pending" ? 2 : 3;
  return ids
    .map((id, i) => ({ id, status: records[i]![0] ?? null, createdAt: Number(records[i]![1] ?? 0) }))
    .sort((a, b) => rank(a.status) - rank(b.status) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .flatMap((h) => [h.id, h.status === "committed" ? "1" : "0"]);
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
    const [code] = await deps.redis.swRelease(
      deps.keys.stock(sku),
      deps.keys.holds(sku),
      deps.keys.events(sku),
      sku,
      id,
      status === "released" ? "release" : "expire",
      who.source,
      who.actor ?? "",
      deps.keys.eventsChannel,
    );
    return code === 1 ? { sku, reservationId: id, units: Number(units), previous: "" } : null;
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
    let mode: "0" | "1" | "2" = "0";
    let seen = "";
    if (base !== null) {
      mode = "1";
      seen = String(base);
    } else if (opts.onlyIfBehind) {
      const [version, persisted] = await deps.redis.hmget(deps.keys.stock(t.sku), "version", "persisted");
      const now = { version: version === null ? null : Number(version), persisted: Number(persisted ?? 0) };
      if (!isBehindLedger(now, t.ledgerVersion)) return { code: "not_behind", available: 0, lost };
      mode = "2";
      seen = String(now.version ?? 0);
    } else if (opts.onlyIfCaughtUp) {
      mode = "1";
    }
    const ranked = await rankHolds(deps, t.sku);
    const reply = await deps.redis.swRebuild(
      deps.keys.stock(t.sku),
      deps.keys.holds(t.sku),
      deps.keys.events(t.sku),
      t.sku,
      t.onHand,
      t.safety,
      t.lowStockThreshold,
      t.location,
      t.ledgerVersion,
      who.source,
      who.actor ?? "",
      deps.keys.eventsChannel,
      opts.reason,
      t.saleId,
      mode,
      seen,
      ranked.length / 2,
      ...ranked,
    );
    const code = Number(reply[0]);
    const available = Number(reply[2]);
    if (code === 1) return { code: "rebuilt", available, lost };
    if (code === 2) return { code: "unchanged", available, lost };
    if (code === 3) return { code: base === null ? "unchanged" : "unsettled", available, lost };
    if (code === 5) continue; // a change landed since the look: look again
    if (mode !== "0") base = Number(reply[3]);
    for (const id of reply.slice(4).map(String)) {
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
    console.error(
      `[rebuild] ${l.sku}: ${l.units} held unit(s) of ${l.reservationId} no longer fit the ledger's count; ` +
        (l.previous ? `the reservation (${l.previous}) was ended` : "the hold had no live reservation and was given back"),
    );
  }
  for (const sku of report.notRebuilt) console.error(`[rebuild] ${sku}: left as it was (it kept changing); the next run retries`);
  for (const sku of report.oversold)
    console.error(`[rebuild] ${sku}: sold holds exceed the ledger's onHand − safety (orders for units the ledger lacks)`);
  await persistAllPending(deps);
  // The sales' working state (not their lines: those are lost with Redis).
  await syncSales(deps);
  return report;
}

/** Each SKU's last ledger event (version and onHand), for all SKUs or `onlySkus`. */
async function lastLedgerEvents(deps: Deps, onlySkus?: string[]): Promise<Map<string, { version: number; onHand: number }>> {
  const rows = onlySkus
    ? await deps.db.$queryRaw<{ sku: string; version: number; onHand: number }[]>`
        SELECT DISTINCT ON ("sku") "sku", "version", "onHand" FROM "InventoryEvent"
        WHERE "sku" = ANY(${onlySkus}::text[]) ORDER BY "sku", "version" DESC`
    : await deps.db.$queryRaw<{ sku: string; version: number; onHand: number }[]>`
        SELECT DISTINCT ON ("sku") "sku", "version", "onHand" FROM "InventoryEvent" ORDER BY "sku", "version" DESC`;
  return new Map(rows.map((r) => [r.sku, { version: Number(r.version), onHand: Number(r.onHand) }]));
}

/** A SKU whose Redis counters are behind the ledger (see isBehindLedger). */
export interface SkuBehindLedger {
  sku: string;
  /** Redis's version; null when Redis has no counters for the SKU at all. */
  redisVersion: number | null;
  persisted: number;
  ledgerVersion: number;
}

/**
 * Catalog SKUs whose Redis counters are behind the ledger: Redis's version below the ledger's
 * last version, or its persisted cursor ahead of its version (Redis restored from an older
 * snapshot or AOF: the next events would reuse versions the ledger holds). With
 * `includeMissing`, also SKUs Redis has no counters for although the ledger has events.
 */
export async function findSkusBehindLedger(
  deps: Deps,
  opts: { onlySkus?: string[]; includeMissing?: boolean } = {},
): Promise<SkuBehindLedger[]> {
  const catalog = await deps.db.sku.findMany({ where: opts.onlySkus ? { code: { in: opts.onlySkus } } : {}, select: { code: true } });
  if (catalog.length === 0) return [];
  const codes = catalog.map((s) => s.code);
  const ledger = await lastLedgerEvents(deps, opts.onlySkus ? codes : undefined);
  const states = await Promise.all(codes.map((sku) => deps.redis.hmget(deps.keys.stock(sku), "onHand", "version", "persisted")));
  const out: SkuBehindLedger[] = [];
  codes.forEach((sku, i) => {
    const [onHand, version, persisted] = states[i]!;
    const ledgerVersion = ledger.get(sku)?.version ?? 0;
    const redis = { version: onHand === null ? null : Number(version ?? 0), persisted: Number(persisted ?? 0) };
    if (redis.version === null && !opts.includeMissing) return;
    if (isBehindLedger(redis, ledgerVersion)) out.push({ sku, redisVersion: redis.version, persisted: redis.persisted, ledgerVersion });
  });
  return out.sort((a, b) => (a.sku < b.sku ? -1 : 1));
}

/** Why a repair of a SKU found behind the ledger wrote its `rebuild` event (the ledger's `reason`). */
export const BEHIND_REASON = "Redis was behind the ledger (restored from an older state): rebuilt from the ledger";

/**
 * Find every SKU whose Redis counters are behind the ledger and rebuild it from the ledger, so
 * its next event continues after the ledger's last version instead of reusing one. The sidecar
 * runs this at start, before its workers; every reconciliation run does it too. Pending events
 * are copied first: those written on the stale counters collide with the ledger's and are held
 * for review in the quarantine, never lost silently.
 */
export async function catchUpWithLedger(
  deps: Deps,
  opts: { source?: string; actor?: string; onlySkus?: string[]; includeMissing?: boolean } = {},
): Promise<{ behind: SkuBehindLedger[]; report: RebuildReport | null }> {
  await persistAllPending(deps, undefined, {
    onError: (sku, err) =>
      console.error(
        `[ledger] could not copy ${sku}'s events before checking it against the ledger:`,
        err instanceof Error ? err.message : err,
      ),
  });
  const behind = await findSkusBehindLedger(deps, { onlySkus: opts.onlySkus, includeMissing: opts.includeMissing });
  if (behind.length === 0) return { behind, report: null };
  const report = await rebuildFromLedger(deps, {
    source: opts.source ?? "rebuild",
    actor: opts.actor ?? "",
    onlySkus: behind.map((b) => b.sku),
    reason: BEHIND_REASON,
    onlyIfBehind: true,
  });
  return { behind, report };
}

/**
 * Give back an orphan hold: `units` held on `sku` under reservation `id` when no live
 * reservation owns it (rebuild-release-orphan-n.lua): only if the hold still has those units,
 * with a normal `release` event. On one Redis node the record and the to-do list are checked
 * in the same step. On Cluster they are other slots: a missing record is first replaced by an
 * ended one (so a retry with the same Idempotency-Key cannot bring the id back to life and take
 * this hold for its own), then the record is read, then the SKU's step runs.
 */
export async function releaseOrphanHold(
  deps: Deps,
  sku: string,
  id: string,
  units: number,
  who: Actor & { reason: string },
): Promise<{ released: boolean; status: string; refusal?: "changed" | "live" | "on_todo" }> {
  const keys = [deps.keys.stock(sku), deps.keys.holds(sku), deps.keys.events(sku)];
  const args = [sku, id, units, who.source, who.actor ?? "", deps.keys.eventsChannel, who.reason];
  let reply: [number, number, number, number, string];
  if (!deps.redis.isCluster) {
    reply = await deps.redis.swReleaseOrphanHold(5, ...keys, deps.keys.reservation(id), deps.keys.holdDeadlines, ...args);
  } else {
    const record = deps.keys.reservation(id);
    // One slot ({id}): the new record never lives without its time to live (a live one keeps its own).
    const [[, created] = [null, 0]] =
      (await deps.redis
        .multi()
        .hsetnx(record, "status", "released")
        .expire(record, 24 * 3600, "NX")
        .exec()) ?? [];
    if (created === 1) await deps.redis.hset(record, "endedBy", who.source, "endReason", who.reason);
    const [status, due] = await Promise.all([deps.redis.hget(record, "status"), deps.redis.zscore(deps.keys.holdDeadlines, id)]);
    if (status && (LIVE.has(status) || status === "committed")) return { released: false, status, refusal: "live" };
    if (due !== null) return { released: false, status: status ?? "", refusal: "on_todo" };
    reply = await deps.redis.swReleaseOrphanHold(3, ...keys, ...args);
  }
  const [code, , , , status] = reply;
  if (code === 1) return { released: true, status };
  return { released: false, status, refusal: code === -2 ? "live" : code === -3 ? "on_todo" : "changed" };
}

/** True when Redis holds no stock counters at all (a fresh or wiped Redis). */
export async function redisIsEmpty(deps: Deps): Promise<boolean> {
  return (await deps.redis.scard(deps.keys.skuIndex)) === 0;
}
