// Reconciliation (invariant 7): compare every SKU's hot counters in Redis with the truth in
// Postgres — onHand from the ledger's last event, safety from the catalog, reserved from the
// SKU's own holds hash, the version against the ledger's last one — and every hold against the
// reservation it is kept for; report the drift, and on request repair it: re-running the SKU
// through the rebuild script (a `rebuild` event), or giving back a hold no live reservation
// owns (a `release` event), so every repair is in the ledger.
import { randomUUID } from "node:crypto";
import type { Deps } from "../core/deps";
import type { Actor } from "../stock/inventory";
import { BEHIND_REASON, releaseOrphanHold } from "./catch-up";
import { persistAllPending, persistSkuEvents } from "./persister";
import { isBehindLedger, rebuildFromLedger } from "./rebuild";
import { finishStalledCheckout } from "../orders/orders";
import { redisNow } from "../core/redis";
import { endReservation } from "../reservations/end";
import { STALLED_CHECKOUT_MS } from "../reservations/record";
import { logField } from "../shared/validation";
import { logFor } from "../core/log";

const logger = logFor("ledger");

export type DriftField = "onHand" | "reserved" | "safety" | "version_behind" | "orphan_hold" | "stalled_checkout";
export type ReconcileTrigger = "schedule" | "manual" | "api";

/**
 * One finding about one SKU. Counters (onHand, reserved, safety): `redis` is null when Redis has
 * no counters for the SKU. `version_behind`: Redis's version (`redis`) is below the ledger's
 * last version or persisted cursor (`expected`): Redis was restored from an older state, and
 * its next events would reuse versions the ledger holds (repaired in every run, see reconcile).
 * `orphan_hold`: `redis` units held under `reservationId`, which no live reservation owns
 * (missing, or ended and off the expiry worker's to-do list, or live but past its deadline and
 * off that list): nothing else would ever give them back; `expected` 0.
 * `stalled_checkout`: `redis` units of a checkout (committing or committed) that nothing will
 * finish (off the to-do list): a repair finishes it (sells, or gives back when no order exists).
 */
export interface Drift {
  sku: string;
  field: DriftField;
  redis: number | null;
  expected: number;
  /** For orphan_hold and stalled_checkout (not stored in Postgres: the drift table has no column for it). */
  reservationId?: string;
}

export interface ReconciliationRunView {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  skus: number;
  drifted: number;
  repaired: number;
  trigger: ReconcileTrigger;
  actor: string | null;
}

export interface ReconciliationReport extends ReconciliationRunView {
  drifts: (Drift & { repaired: boolean })[];
}

/** Why a repair's `rebuild` event was written (the ledger's `reason`). */
export const REPAIR_REASON = "reconciliation: Redis drifted from the ledger";
/** The reason on the `release` event of an orphan hold given back by reconciliation. */
export const ORPHAN_REASON = "reconciliation: a hold no live reservation owned";

const CHUNK = 200;
/** Tries per SKU when events keep arriving while it is compared (a busy SKU is checked next run). */
const MOVING_RETRIES = 3;

interface RedisState {
  onHand: number | null;
  reserved: number;
  safety: number;
  version: number;
  persisted: number;
  holds: Map<string, number>;
  holdsTotal: number;
}

interface LedgerState {
  version: number;
  onHand: number;
}

/** What a repair does with a hold found without a live reservation behind it. */
type HoldRepair = "release" | "expire" | "checkout";

interface HoldFinding {
  drift: Drift & { reservationId: string };
  repair: HoldRepair;
}

async function readRedis(deps: Deps, sku: string): Promise<RedisState> {
  // One transaction on the SKU's slot: the counters and the holds hash are read at one instant.
  const replies = await deps.redis
    .multi()
    .hmget(deps.keys.stock(sku), "onHand", "reserved", "safety", "version", "persisted")
    .hgetall(deps.keys.holds(sku))
    .exec();
  const [[err1, fields], [err2, raw]] = (replies ?? []) as [[Error | null, (string | null)[]], [Error | null, Record<string, string>]];
  if (err1 || err2) throw err1 ?? err2;
  const [onHand, reserved, safety, version, persisted] = fields;
  const holds = new Map(Object.entries(raw).map(([id, q]) => [id, Number(q)]));
  return {
    onHand: onHand == null ? null : Number(onHand),
    reserved: Number(reserved ?? 0),
    safety: Number(safety ?? 0),
    version: Number(version ?? 0),
    persisted: Number(persisted ?? 0),
    holds,
    holdsTotal: [...holds.values()].reduce((sum, q) => sum + q, 0),
  };
}

async function readLedger(deps: Deps, skus: string[]): Promise<Map<string, LedgerState>> {
  if (skus.length === 0) return new Map();
  const rows = await deps.db.$queryRaw<{ sku: string; version: number; onHand: number }[]>`
    SELECT DISTINCT ON ("sku") "sku", "version", "onHand" FROM "InventoryEvent"
    WHERE "sku" = ANY(${skus}::text[]) ORDER BY "sku", "version" DESC`;
  return new Map(rows.map((r) => [r.sku, { version: Number(r.version), onHand: Number(r.onHand) }]));
}

function compare(sku: string, r: RedisState, ledger: LedgerState | undefined, safety: number): Drift[] {
  const expectedOnHand = ledger?.onHand ?? 0;
  if (r.onHand === null) return [{ sku, field: "onHand", redis: null, expected: expectedOnHand }];
  const out: Drift[] = [];
  if (r.onHand !== expectedOnHand) out.push({ sku, field: "onHand", redis: r.onHand, expected: expectedOnHand });
  if (r.reserved !== r.holdsTotal) out.push({ sku, field: "reserved", redis: r.reserved, expected: r.holdsTotal });
  if (r.safety !== safety) out.push({ sku, field: "safety", redis: r.safety, expected: safety });
  if (isBehindLedger({ version: r.version, persisted: r.persisted }, ledger?.version ?? 0)) {
    out.push({ sku, field: "version_behind", redis: r.version, expected: Math.max(ledger?.version ?? 0, r.persisted) });
  }
  return out;
}

const ENDED = new Set(["released", "expired", "failed"]);

/**
 * The holds of these SKUs that no live reservation owns. A hold is looked at through its
 * reservation's record and its entry on the expiry worker's to-do list (the deadline set), then
 * read again: an ending that gives the hold back in the meantime is not taken for an orphan.
 * Left alone: live reservations within their deadline or on the to-do list, ended ones still on
 * it (the expiry worker is finishing them), and checkouts on it (committed holds are a sale being
 * finished, never an orphan to give back).
 */
async function findHoldsWithoutReservation(deps: Deps, states: Map<string, RedisState>): Promise<HoldFinding[]> {
  const holds = [...states].flatMap(([sku, st]) => [...st.holds].map(([id, units]) => ({ sku, id, units })));
  if (holds.length === 0) return [];
  const ids = [...new Set(holds.map((h) => h.id))];
  const now = await redisNow(deps.redis);
  const looks = await Promise.all(
    ids.map(async (id) => {
      const [[status, expiresAt, since], due] = await Promise.all([
        deps.redis.hmget(deps.keys.reservation(id), "status", "expiresAt", "committingSince"),
        deps.redis.zscore(deps.keys.holdDeadlines, id),
      ]);
      return [id, { status: status ?? null, expiresAt: Number(expiresAt ?? 0), since: Number(since ?? 0), onTodo: due !== null }] as const;
    }),
  );
  const byId = new Map(looks);
  const suspects = holds.flatMap((h) => {
    const r = byId.get(h.id)!;
    let repair: HoldRepair | null = null;
    if (r.status === null) repair = "release";
    else if (r.onTodo) repair = null;
    else if (ENDED.has(r.status)) repair = "release";
    else if ((r.status === "held" || r.status === "pending") && r.expiresAt <= now) repair = "expire";
    else if (r.status === "committed" || (r.status === "committing" && now - r.since >= STALLED_CHECKOUT_MS)) repair = "checkout";
    return repair ? [{ ...h, repair }] : [];
  });
  // Read after the records: still there with the same units, so not given back meanwhile.
  const still = await Promise.all(suspects.map((h) => deps.redis.hget(deps.keys.holds(h.sku), h.id)));
  return suspects.flatMap((h, i) =>
    Number(still[i] ?? NaN) === h.units
      ? [
          {
            drift: {
              sku: h.sku,
              field: h.repair === "checkout" ? "stalled_checkout" : "orphan_hold",
              redis: h.units,
              expected: 0,
              reservationId: h.id,
            },
            repair: h.repair,
          } satisfies HoldFinding,
        ]
      : [],
  );
}

/** Drift and what a repair of each hold finding would do. */
async function inspect(deps: Deps, opts: { onlySkus?: string[] }): Promise<{ skus: number; drifts: Drift[]; holds: HoldFinding[] }> {
  // One SKU whose copy fails must not cost the whole store its check: that SKU stays ahead of
  // the ledger, so it is compared without onHand below, like a SKU still moving.
  await persistAllPending(deps, undefined, { onError: reportPersistFailure });
  const catalog = await deps.db.sku.findMany({
    where: opts.onlySkus ? { code: { in: opts.onlySkus } } : {},
    select: { code: true, safety: true },
    orderBy: { code: "asc" },
  });
  const drifts: Drift[] = [];
  const holds: HoldFinding[] = [];
  for (let i = 0; i < catalog.length; i += CHUNK) {
    const chunk = catalog.slice(i, i + CHUNK);
    const ledger = await readLedger(
      deps,
      chunk.map((s) => s.code),
    );
    const states = await Promise.all(chunk.map((s) => readRedis(deps, s.code)));
    const compared = new Map<string, RedisState>();
    for (const [j, s] of chunk.entries()) {
      let state = states[j]!;
      let last = ledger.get(s.code);
      for (let attempt = 0; state.onHand !== null && state.version > (last?.version ?? 0) && attempt < MOVING_RETRIES; attempt++) {
        try {
          await persistSkuEvents(deps, s.code);
        } catch (err) {
          reportPersistFailure(s.code, err);
          break;
        }
        last = (await readLedger(deps, [s.code])).get(s.code);
        state = await readRedis(deps, s.code);
      }
      // Still moving: its onHand cannot be compared at one version now; the next run will.
      const moving = state.onHand !== null && state.version > (last?.version ?? 0);
      const found = compare(s.code, state, last, s.safety);
      drifts.push(...(moving ? found.filter((d) => d.field !== "onHand") : found));
      compared.set(s.code, state);
    }
    const orphans = await findHoldsWithoutReservation(deps, compared);
    holds.push(...orphans);
    drifts.push(...orphans.map((o) => o.drift));
  }
  drifts.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return { skus: catalog.length, drifts, holds };
}

/**
 * Compare Redis with Postgres for every catalog SKU (or `onlySkus`) without changing anything.
 * Pending events are persisted first; a SKU whose Redis version is ahead of the ledger (a change
 * landed meanwhile) is persisted and compared again, so a live store shows no false drift.
 */
export async function findDrift(deps: Deps, opts: { onlySkus?: string[] } = {}): Promise<{ skus: number; drifts: Drift[] }> {
  const { skus, drifts } = await inspect(deps, opts);
  return { skus, drifts };
}

function reportPersistFailure(sku: string, err: unknown): void {
  logger.error(
    `[reconcile] could not copy ${sku}'s events to the ledger; compared without onHand:`,
    logField(err instanceof Error ? err.message.trim().split("\n").at(-1) : err),
  );
}

const COUNTERS = new Set<DriftField>(["onHand", "reserved", "safety"]);

function driftKey(d: Drift): string {
  return `${d.sku}\u0000${d.field}\u0000${d.reservationId ?? ""}`;
}

/** Carry out a repair of one hold finding; every step is conditional or idempotent. */
async function repairHold(deps: Deps, finding: HoldFinding, who: Actor): Promise<void> {
  const { sku, reservationId: id, redis: units } = finding.drift;
  switch (finding.repair) {
    case "release":
      await releaseOrphanHold(deps, sku, id, units ?? 0, { ...who, reason: ORPHAN_REASON });
      return;
    case "expire":
      // What the expiry worker would have done had the reservation been on its list: end it whole.
      await endReservation(deps, id, {
        from: ["pending", "held"],
        to: "expired",
        rule: "after",
        type: "expire",
        who,
        fields: { endedBy: "reconciliation" },
      });
      return;
    case "checkout":
      await finishStalledCheckout(deps, id);
      return;
  }
}

/**
 * One reconciliation run, stored in Postgres with its drift.
 *
 * A SKU found behind the ledger (`version_behind`) is rebuilt from the ledger in every run,
 * repair or not: its Redis state is older than what the ledger already holds, and every change
 * made on it until then would be a version collision held for review.
 *
 * With `repair`, also: each orphan hold is given back (conditionally, with a `release` event),
 * a live reservation past its deadline and off the to-do list is expired, a checkout nothing
 * would finish is finished (finishStalledCheckout), and every SKU with drifted counters is
 * re-run through the rebuild script (source "reconciliation"). Each repaired SKU is checked
 * again: a drift counts as repaired only when that second look no longer finds it, and a SKU
 * counts as repaired only when the second look finds it clean.
 */
export async function reconcile(
  deps: Deps,
  opts: { repair?: boolean; trigger: ReconcileTrigger; actor?: string | null; onlySkus?: string[] },
): Promise<ReconciliationReport> {
  const id = randomUUID();
  const startedAt = new Date();
  const actor = opts.actor ?? null;
  const who = { source: "reconciliation", actor: actor ?? "reconciler" };
  await deps.db.reconciliationRun.create({ data: { id, startedAt, trigger: opts.trigger, actor } });
  const { skus, drifts, holds } = await inspect(deps, { onlySkus: opts.onlySkus });
  const driftedSkus = [...new Set(drifts.map((d) => d.sku))];
  const attempted = new Set<string>();

  const behind = [...new Set(drifts.filter((d) => d.field === "version_behind").map((d) => d.sku))];
  if (behind.length > 0) {
    await rebuildFromLedger(deps, { onlySkus: behind, onlyIfBehind: true, reason: BEHIND_REASON, ...who });
    for (const sku of behind) attempted.add(sku);
  }
  if (opts.repair) {
    for (const finding of holds) {
      await repairHold(deps, finding, who);
      attempted.add(finding.drift.sku);
    }
    const counters = [...new Set(drifts.filter((d) => COUNTERS.has(d.field) && !behind.includes(d.sku)).map((d) => d.sku))];
    if (counters.length > 0) {
      await rebuildFromLedger(deps, { onlySkus: counters, reason: REPAIR_REASON, onlyIfCaughtUp: true, ...who });
      for (const sku of counters) attempted.add(sku);
    }
  }

  const repairedSkus = new Set<string>();
  let rows = drifts.map((d) => ({ ...d, repaired: false }));
  if (attempted.size > 0) {
    const second = (await inspect(deps, { onlySkus: [...attempted] })).drifts;
    const still = new Set(second.map(driftKey));
    const dirty = new Set(second.map((d) => d.sku));
    rows = rows.map((d) => ({ ...d, repaired: attempted.has(d.sku) && !still.has(driftKey(d)) }));
    for (const sku of attempted) if (!dirty.has(sku)) repairedSkus.add(sku);
  }
  if (rows.length) {
    await deps.db.reconciliationDrift.createMany({
      data: rows.map((d) => ({
        id: randomUUID(),
        runId: id,
        sku: d.sku,
        field: d.field,
        redis: d.redis,
        expected: d.expected,
        repaired: d.repaired,
      })),
    });
  }
  const run = await deps.db.reconciliationRun.update({
    where: { id },
    data: { finishedAt: new Date(), skus, drifted: driftedSkus.length, repaired: repairedSkus.size },
  });
  return { ...toRunView(run), drifts: rows };
}

type RunRow = Awaited<ReturnType<Deps["db"]["reconciliationRun"]["findFirstOrThrow"]>>;

function toRunView(row: RunRow): ReconciliationRunView {
  return {
    id: row.id,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    skus: row.skus,
    drifted: row.drifted,
    repaired: row.repaired,
    trigger: row.trigger as ReconcileTrigger,
    actor: row.actor,
  };
}

/** The latest runs, newest first. */
export async function recentReconciliationRuns(deps: Pick<Deps, "db">, limit = 10): Promise<ReconciliationRunView[]> {
  const rows = await deps.db.reconciliationRun.findMany({ orderBy: { startedAt: "desc" }, take: limit });
  return rows.map(toRunView);
}

/** The last finished run with its drift (the current picture), or null before the first run. */
export async function latestReconciliation(deps: Pick<Deps, "db">): Promise<ReconciliationReport | null> {
  const row = await deps.db.reconciliationRun.findFirst({
    where: { finishedAt: { not: null } },
    orderBy: { startedAt: "desc" },
    include: { drifts: { orderBy: [{ sku: "asc" }, { field: "asc" }] } },
  });
  if (!row) return null;
  return {
    ...toRunView(row),
    drifts: row.drifts.map((d) => ({
      sku: d.sku,
      field: d.field as DriftField,
      redis: d.redis,
      expected: d.expected,
      repaired: d.repaired,
    })),
  };
}
