// Fault injection against real processes (`npm run test:chaos`): each file starts its own
// stack (Redis, Postgres, `next start`, sidecar) in a temp dir and kills parts of it.
// CHAOS_PG_OUTAGE_SECONDS sets the Postgres outage (30 by default, 8 in CI).
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/chaos/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One stack at a time: the faults' timings must not fight another stack for the CPU.
    fileParallelism: false,
    maxWorkers: 1,
    env: { NODE_ENV: "test" },
  },
});
