// The durable ledger: every stock event reaches Postgres at least once from the SKU's Redis
// stream, and lands exactly once thanks to its (sku, version) primary key. Nothing one event
// carries can stop the copy: what Postgres refuses is quarantined whole (./quarantine.ts).
import { randomBytes } from "node:crypto";
import type { AdminAlert } from "../backoffice/alerts";
import type { Deps } from "../core/deps";
import { knownSkus } from "../stock/inventory";
import { errorSummary, isDataError, quarantineEntries, type QuarantineCandidate } from "./quarantine";
import { isPgInt } from "../shared/validation";
import { eventFromStream } from "../events/codec";
import type { StockEvent } from "../shared/types";
import { acquireLease, markPersisted, releaseLease } from "../scripts";

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
      await markPersisted(deps.redis, {
        stockKey: deps.keys.stock(sku),
        eventsKey: deps.keys.events(sku),
        version: Math.max(...versions),
        keepFromId: nextStreamId(lastId),
      });
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
  if (!(await acquireLease(deps.redis, { key: lease, token, ttlMs: claim.ttlMs }))) return null;
  try {
    let batches = 0;
    return await persistSkuEvents(deps, sku, {
      // The first batch runs under the lease just taken; later ones renew it (a long backlog).
      beforeBatch: async () => batches++ === 0 || (await acquireLease(deps.redis, { key: lease, token, ttlMs: claim.ttlMs })),
      onBatch: claim.onBatch,
      onQuarantined: claim.onQuarantined,
    });
  } finally {
    await releaseLease(deps.redis, { key: lease, token });
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
