// Vitest global setup for tests/cluster: a real Redis Cluster (3 masters, no replicas) and a
// Postgres, on free ports in a temporary folder, removed after the run.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startPostgres, startRedisCluster } from "../../scripts/services";
import { migrate } from "../../scripts/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    redisClusterNodes: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-cluster-"));
  chmodSync(dir, 0o755); // Postgres runs as its own user when we are root: it must reach its folder.
  const [cluster, pg] = await Promise.all([
    startRedisCluster({ dir: path.join(dir, "redis") }),
    startPostgres({ dir: path.join(dir, "pg"), database: "stockwire_test", durable: false }),
  ]);
  await migrate(pg.url);
  project.provide("redisClusterNodes", cluster.nodes);
  project.provide("databaseUrl", pg.url);
  return async () => {
    await Promise.all([cluster.stop(), pg.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
