// Scale-out with real processes (`npm run test:scale`): the test starts its own Redis, Postgres,
// two `next start` and two sidecars, so there is no global setup and one test file at a time.
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/scale/**/*.test.ts"],
    testTimeout: 60_000,
    // Starting the stack may include a Next.js build when `.next` is stale.
    hookTimeout: 600_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
