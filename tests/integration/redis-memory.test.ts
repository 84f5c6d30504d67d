// Redis must never evict stock: lib/core/redis-memory.ts reads what each Redis says of itself and
// names the problem (an evicting policy, or memory near maxmemory). A Redis of its own, so
// changing its settings cannot disturb the other suites' shared one.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSidecarMetrics } from "../../server/metrics";
import { redisMemory } from "../../lib/core/redis-memory";
import { startRedis } from "../../scripts/services";

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-memory-"));
  server = await startRedis({ dir });
  redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("Redis memory safety", () => {
  it("the Redis the project starts runs noeviction, and that is reported as safe", async () => {
    expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    const m = await redisMemory(redis);
    expect(m).toMatchObject({ policies: ["noeviction"], maxBytes: 0, problem: null });
    expect(m.usedBytes).toBeGreaterThan(0);
  });

  it("an evicting policy is named as the problem, and /metrics says may_evict 1", async () => {
    await redis.config("SET", "maxmemory-policy", "allkeys-lru");
    try {
      expect((await redisMemory(redis)).problem).toMatchObject({
        code: "eviction_policy",
        message: expect.stringContaining("allkeys-lru"),
      });
      const metrics = createSidecarMetrics({ redisMemory: () => redisMemory(redis) });
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/^stockwire_redis_may_evict 1$/m);
    } finally {
      await redis.config("SET", "maxmemory-policy", "noeviction");
    }
  });

  it("memory at 80 % of maxmemory or more is named before writes are refused", async () => {
    const used = (await redisMemory(redis)).usedBytes;
    await redis.config("SET", "maxmemory", String(Math.ceil(used / 0.9)));
    try {
      const m = await redisMemory(redis);
      expect(m.problem).toMatchObject({ code: "memory_high" });
      const text = await createSidecarMetrics({ redisMemory: () => redisMemory(redis) }).registry.metrics();
      const ratio = Number(/^stockwire_redis_memory_used_ratio (\S+)$/m.exec(text)?.[1]);
      expect(ratio).toBeGreaterThanOrEqual(0.8);
      expect(ratio).toBeLessThanOrEqual(1.2);
    } finally {
      await redis.config("SET", "maxmemory", "0");
    }
    expect((await redisMemory(redis)).problem).toBeNull();
  });
});
