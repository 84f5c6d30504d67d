import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: [
      "tests/unit/**/*.test.ts",
      "tests/integration/**/*.test.ts",
      "tests/realtime/**/*.test.ts",
      "tests/property/**/*.test.ts",
      // The fault-injection table has its own script (npm run test:faults, part of npm test):
      // it needs one worker to itself, and its longer forms are chosen by FAULTS_FORM.
      ...(process.env.FAULTS === "1" ? ["tests/faults/**/*.test.ts"] : []),
    ],
    globalSetup: ["tests/setup/services.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the servers under test need one of them.
    maxWorkers: 2,
    env: { NODE_ENV: "test" },
  },
});
