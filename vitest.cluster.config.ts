// The invariant tests against a real 3-master Redis Cluster (`npm run test:cluster`).
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    globalSetup: ["tests/cluster/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    maxWorkers: 1,
    env: { NODE_ENV: "test" },
  },
});
