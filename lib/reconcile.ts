// Reconciliation (invariant 7): compare every SKU's hot counters in Redis with the truth in
// Postgres — onHand from the ledger's last event, safety from the catalog, reserved from the
// SKU's own holds hash — report the drift, and on request repair it by re-running the SKU
// through the rebuild script, which records a `rebuild` event (so every repair is in the ledger).
import { randomUUID } from "node:crypto";
import type { Deps } from "./context";
import { persistAllPending, persistSkuEvents, rebuildFromLedger } from "./ledger";
import { logField } from "./shared/validation";

export type DriftField = "onHand" | "reserved" | "safety";
export type ReconcileTrigger = "schedule" | "manual" | "api";

/** One field of one SKU out of line: `redis` is null when Redis has no counters for the SKU. */
export interface Drift {
  sku: string;
  field: DriftField;
  redis: number | null;
  expected: number;
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

const CHUNK = 200;
/** Tries per SKU when events keep arriving while it is compared (a busy SKU is checked next run). */
const MOVING_RETRIES = 3;

interface RedisState {
  onHand: number | null;
  reserved: number;
  safety: number;
  version: number;
  holdsTotal: number;
}

interface LedgerState {
  version: number;
  onHand: number;
}

async function readRedis(deps: Deps, sku: string): Promise<RedisState> {
  // One transaction on the SKU's slot: the counters and the holds hash are read at one instant.
  const replies = await deps.redis
    .multi()
    .hmget(deps.keys.stock(sku), "onHand", "reserved", "safety", "version")
    .hvals(deps.keys.holds(sku))
    .exec();
  const [[err1, fields], [err2, holds]] = (replies ?? []) as [[Error | null, (string | null)[]], [Error | null, string[]]];
  if (err1 || err2) throw err1 ?? err2;
  const [onHand, reserved, safety, version] = fields;
  return {
    onHand: onHand == null ? null : Number(onHand),
    reserved: Number(reserved ?? 0),
    safety: Number(safety ?? 0),
    version: Number(version ?? 0),
    holdsTotal: holds.reduce((sum, q) => sum + Number(q), 0),
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
  return out;
}

/**
 * Compare Redis with Postgres for every catalog SKU (or `onlySkus`) without changing anything.
 * Pending events are persisted first; a SKU whose Redis version is ahead of the ledger (a change
 * landed meanwhile) is persisted and compared again, so a live store shows no false drift.
 */
export async function findDrift(deps: Deps, opts: { onlySkus?: string[] } = {}): Promise<{ skus: number; drifts: Drift[] }> {
  // One SKU whose copy fails must not cost the whole store its check: that SKU stays ahead of
  // the ledger, so it is compared without onHand below, like a SKU still moving.
  await persistAllPending(deps, undefined, { onError: reportPersistFailure });
  const catalog = await deps.db.sku.findMany({
    where: opts.onlySkus ? { code: { in: opts.onlySkus } } : {},
    select: { code: true, safety: true },
    orderBy: { code: "asc" },
  });
  const drifts: Drift[] = [];
  for (let i = 0; i < catalog.length; i += CHUNK) {
    const chunk = catalog.slice(i, i + CHUNK);
    const ledger = await readLedger(deps, chunk.map((s) => s.code));
    const states = await Promise.all(chunk.map((s) => readRedis(deps, s.code)));
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
    }
  }
  return { skus: catalog.length, drifts };
}

function reportPersistFailure(sku: string, err: unknown): void {
  console.error(`[reconcile] could not copy ${sku}'s events to the ledger; compared without onHand:`, logField(err instanceof Error ? err.message.trim().split("\n").at(-1) : err));
}

/**
 * One reconciliation run, stored in Postgres with its drift. With `repair`, every drifted SKU
 * is re-run through the rebuild script (source "reconciliation"), then checked again: a SKU
 * counts as repaired only when that second look finds it clean.
 */
export async function reconcile(
  deps: Deps,
  opts: { repair?: boolean; trigger: ReconcileTrigger; actor?: string | null; onlySkus?: string[] },
): Promise<ReconciliationReport> {
  const id = randomUUID();
  const startedAt = new Date();
  const actor = opts.actor ?? null;
  await deps.db.reconciliationRun.create({ data: { id, startedAt, trigger: opts.trigger, actor } });
  const { skus, drifts } = await findDrift(deps, { onlySkus: opts.onlySkus });
  const driftedSkus = [...new Set(drifts.map((d) => d.sku))];
  const repairedSkus = new Set<string>();
  if (opts.repair && driftedSkus.length > 0) {
    await rebuildFromLedger(deps, {
      onlySkus: driftedSkus,
      source: "reconciliation",
      actor: actor ?? "reconciler",
      reason: REPAIR_REASON,
      onlyIfCaughtUp: true,
    });
    const still = new Set((await findDrift(deps, { onlySkus: driftedSkus })).drifts.map((d) => d.sku));
    for (const sku of driftedSkus) if (!still.has(sku)) repairedSkus.add(sku);
  }
  const rows = drifts.map((d) => ({ ...d, repaired: repairedSkus.has(d.sku) }));
  if (rows.length) {
    await deps.db.reconciliationDrift.createMany({ data: rows.map((d) => ({ id: randomUUID(), runId: id, ...d })) });
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
    drifts: row.drifts.map((d) => ({ sku: d.sku, field: d.field as DriftField, redis: d.redis, expected: d.expected, repaired: d.repaired })),
  };
}
