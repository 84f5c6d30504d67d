import { reconciliationBody } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, readJson } from "@/lib/core/http";
import { latestReconciliation, reconcile, recentReconciliationRuns } from "@/lib/ledger";

/** GET /api/v1/admin/reconciliation — the latest run with its drift, and the last runs. */
export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  const deps = appDeps();
  const [latest, runs] = await Promise.all([latestReconciliation(deps), recentReconciliationRuns(deps)]);
  return json({ latest, runs });
});

/** POST /api/v1/admin/reconciliation {repair?} — compare Redis with Postgres now (and repair the drift). */
export const POST = handle(async (request: Request) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const { repair } = await readJson(request, reconciliationBody, { optional: true });
  const report = await reconcile(appDeps(), { trigger: "api", repair: repair ?? false, actor });
  return json(report, 201);
});
