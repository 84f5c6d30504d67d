// Test dependencies on the Redis Cluster of tests/cluster/setup.ts: a fresh key prefix per
// call, like tests/helpers.ts, with a cleanup that scans every master (a cluster client has
// no cluster-wide SCAN) and deletes key by key (a multi-key DEL would be cross-slot).
import { inject } from "vitest";
import type { Cluster } from "ioredis";
import type { Redis } from "ioredis";
import { createDb } from "../../lib/core/db";
import { redisKeys } from "../../lib/core/keys";
import { createRedisCluster } from "../../lib/core/redis";
import { TEST_QUEUE_TOKEN_SECRET, uid, type TestDeps } from "../helpers";

export function clusterRedis(name = "test-cluster"): Redis {
  return createRedisCluster(inject("redisClusterNodes"), name);
}

/** Delete every key under a prefix on every master of the cluster. */
export async function deleteClusterKeys(redis: Redis, prefix: string): Promise<void> {
  const cluster = redis as unknown as Cluster;
  for (const node of cluster.nodes("master")) {
    const stream = node.scanStream({ match: `${prefix}*`, count: 500 });
    for await (const batch of stream) {
      const keys = batch as string[];
      if (keys.length) await Promise.all(keys.map((k) => redis.unlink(k)));
    }
  }
}

export function clusterTestDeps(opts: { holdTtlSeconds?: number } = {}): TestDeps {
  const prefix = `t${uid(8).toLowerCase()}:`;
  const redis = clusterRedis();
  const db = createDb(inject("databaseUrl"), 5);
  return {
    redis,
    db,
    prefix,
    keys: redisKeys(prefix),
    holdTtlSeconds: opts.holdTtlSeconds ?? 600,
    queueTokenSecret: TEST_QUEUE_TOKEN_SECRET,
    async close() {
      await deleteClusterKeys(redis, prefix);
      redis.disconnect();
      await db.$disconnect();
    },
  };
}
