// `npm run inventory:rebuild`: restore Redis's stock counters from the Postgres ledger
// (after a cold start or a lost Redis). Events still waiting in Redis streams are persisted
// first, so nothing in flight is overwritten. Uses DATABASE_URL / REDIS_URL, or the stack
// that `npm run up` is running on this checkout.
import { appDeps } from "../lib/core/deps";
import { rebuildFromLedger } from "../lib/ledger";
import { loadRunningStackEnv } from "./stack";

async function main(): Promise<void> {
  if (loadRunningStackEnv()) console.log("Using the servers of the running `npm run up`.");
  const deps = appDeps();
  try {
    const started = Date.now();
    const report = await rebuildFromLedger(deps, { source: "rebuild", actor: process.env.USER ?? "" });
    console.log(
      `Rebuilt Redis from the ledger in ${Date.now() - started} ms: ${report.skus} SKUs, ` +
        `${report.rebuilt} rebuilt, ${report.unchanged} already matched the ledger.`,
    );
  } finally {
    deps.redis.disconnect();
    await deps.db.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
