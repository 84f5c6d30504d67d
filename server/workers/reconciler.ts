// The periodic reconciliation pass: one sidecar at a time (a Redis lease) compares every SKU's
// Redis counters with Postgres and stores the result. It only reports by default: drift is a
// symptom of a bug or of a hand edit, and a person should see it before it is overwritten
// (RECONCILE_AUTO_REPAIR=1 makes the scheduled pass repair as well; see docs/operations.md, Reconciliation).
import type { Deps } from "../../lib/core/deps";
import { createLease } from "../../lib/core/lease";
import { reconcile, type ReconciliationReport } from "../../lib/ledger";
import { every, type Loop } from "./loop";
import { logFor } from "../../lib/core/log";

const logger = logFor("reconciler");

export interface ReconcilerOptions {
  intervalMs: number;
  autoRepair: boolean;
  log?: (message: string) => void;
  /** Called after each run this sidecar made (tests, metrics). */
  onRun?: (report: ReconciliationReport) => void;
}

/** Start the scheduled pass; stop() waits for a run in flight. */
export function startReconciler(deps: Deps, opts: ReconcilerOptions): Loop {
  const log = opts.log ?? ((m: string) => logger.info(m));
  // Longer than a run can take, so a slow pass is not started twice; a dead holder's lease lapses.
  const lease = createLease(deps.redis, deps.keys.lease("reconcile"), Math.max(opts.intervalMs, 30_000) * 2);
  return every(
    opts.intervalMs,
    async () => {
      // The holder keeps the lease (renewed every run): the other sidecars skip, and take over
      // within its time to live if this one dies.
      if (!(await lease.acquire())) return;
      const report = await reconcile(deps, { trigger: "schedule", repair: opts.autoRepair, actor: "reconciler" });
      if (report.drifted > 0) {
        log(
          `[reconciler] ${report.drifted} of ${report.skus} SKUs drifted from the ledger` +
            (opts.autoRepair ? `; repaired ${report.repaired}` : " (report only: repair from /admin/reconciliation)"),
        );
      }
      opts.onRun?.(report);
    },
    (err) => log(`[reconciler] run failed: ${err instanceof Error ? err.message : String(err)} (retrying next interval)`),
  );
}
