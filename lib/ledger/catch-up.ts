// A Redis behind the ledger (restored from an older state) caught up before it writes on a
// stale base, and holds no live reservation owns given back (both used by reconciliation).
import type { Deps } from "../core/deps";
import { type Actor } from "../stock/inventory";
import { persistAllPending } from "./persister";
import { LIVE, type RebuildReport, isBehindLedger, rebuildFromLedger } from "./rebuild";
import { releaseOrphanHold as releaseOrphanHoldScript, type OrphanReleaseOutcome } from "../scripts";
import { logFor } from "../core/log";

const logger = logFor("ledger");

/** Each SKU's last ledger event (version and onHand), for all SKUs or `onlySkus`. */
export async function lastLedgerEvents(deps: Deps, onlySkus?: string[]): Promise<Map<string, { version: number; onHand: number }>> {
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
      logger.error(
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
  const request = {
    stockKey: deps.keys.stock(sku),
    holdsKey: deps.keys.holds(sku),
    eventsKey: deps.keys.events(sku),
    channel: deps.keys.eventsChannel,
    sku,
    reservationId: id,
    units,
    source: who.source,
    actor: who.actor ?? "",
    reason: who.reason,
  };
  let reply: OrphanReleaseOutcome;
  if (!deps.redis.isCluster) {
    reply = await releaseOrphanHoldScript(deps.redis, {
      ...request,
      check: { reservationKey: deps.keys.reservation(id), deadlinesKey: deps.keys.holdDeadlines },
    });
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
    reply = await releaseOrphanHoldScript(deps.redis, request);
  }
  if (reply.result === "released") return { released: true, status: reply.status };
  return { released: false, status: reply.status, refusal: reply.result };
}
