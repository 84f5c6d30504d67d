// Starts the whole stack for the end-to-end tests on the ports chosen in playwright.config.ts,
// in a temporary folder, and hands its URLs and secrets to the tests through process.env
// (workers inherit the runner's environment): ADMIN_API_TOKEN, WEBHOOK_SECRET,
// QUEUE_TOKEN_SECRET, SESSION_SECRET, STOCKWIRE_REALTIME_URL, DATABASE_URL, REDIS_URL.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assertLocalUrl, ROOT, startStack, type Stack } from "../../scripts/stack";

export interface E2EState {
  stack: Stack;
  dir: string;
}

const globalState = globalThis as unknown as { stockwireE2E?: E2EState };

export default async function globalSetup(): Promise<void> {
  // An already running stack (e.g. `npm run up`): STOCKWIRE_E2E_BASE_URL plus ADMIN_API_TOKEN.
  if (process.env.STOCKWIRE_E2E_BASE_URL) return;

  for (const name of ["DATABASE_URL", "REDIS_URL"] as const) {
    const url = process.env[name];
    if (url) assertLocalUrl(name, url);
  }
  const port = Number(process.env.STOCKWIRE_E2E_PORT);
  const realtimePort = Number(process.env.STOCKWIRE_E2E_REALTIME_PORT);
  if (!port || !realtimePort) throw new Error("STOCKWIRE_E2E_PORT / STOCKWIRE_E2E_REALTIME_PORT are set by playwright.config.ts");

  const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-e2e-"));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root: it must reach its folder.
  // The server appends every /api answer here; tests/e2e/contract.teardown.ts checks them all.
  process.env.STOCKWIRE_API_RECORD = path.join(dir, "api-answers.jsonl");
  const logDir = process.env.STOCKWIRE_E2E_VERBOSE ? undefined : path.join(ROOT, ".data", "e2e-logs");
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir: dir,
      port,
      realtimePort,
      build: "if-stale",
      persistentRedis: false,
      durablePostgres: false,
      handleSignals: false,
      logDir,
      log: (msg) => console.log(`[e2e stack] ${msg}`),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (logDir) console.error(`[e2e stack] process logs: ${path.relative(ROOT, logDir)}/`);
    throw err;
  }
  globalState.stockwireE2E = { stack, dir };
  for (const [key, value] of Object.entries(stack.env)) {
    if (
      [
        "ADMIN_API_TOKEN",
        "WEBHOOK_SECRET",
        "QUEUE_TOKEN_SECRET",
        "SESSION_SECRET",
        "ADMIN_EMAIL",
        "ADMIN_PASSWORD",
        "DATABASE_URL",
        "REDIS_URL",
        "REDIS_PREFIX",
      ].includes(key)
    ) {
      process.env[key] = value;
    }
  }
  process.env.STOCKWIRE_REALTIME_URL = stack.realtimeUrl;
  console.log(
    `[e2e stack] ${stack.baseUrl} ready in ${((Date.now() - started) / 1000).toFixed(1)} s${logDir ? ` (logs in ${path.relative(ROOT, logDir)}/)` : ""}`,
  );
}
