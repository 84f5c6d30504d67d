// Vitest global setup: real Redis and Postgres processes on free ports, in a temporary
// folder, migrated, and stopped (folder removed) after the run. Tests get the URLs via inject().
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startPostgres, startRedis } from "../../scripts/services";
import { migrate } from "../../scripts/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-test-"));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root: it must reach its folder.
  const [redis, pg] = await Promise.all([
    startRedis({ dir: path.join(dir, "redis") }),
    startPostgres({ dir: path.join(dir, "pg"), database: "stockwire_test", durable: false }),
  ]);
  await migrate(pg.url);
  project.provide("redisUrl", redis.url);
  project.provide("databaseUrl", pg.url);
  return async () => {
    await Promise.all([redis.stop(), pg.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
