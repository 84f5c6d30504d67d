// Redis holds the hot truth: an evicted stock hash or reservation is stock that silently
// vanished. So Redis must run with `maxmemory-policy noeviction` (a full Redis refuses writes,
// which Stockwire answers as 503s and nothing is lost), and someone must hear about it before
// it is full. This reads what Redis says of itself (INFO memory, on every master of a Cluster).
import type { Cluster, Redis } from "ioredis";

/** Above this share of maxmemory a merchandiser's holds may soon be refused: raise attention. */
export const MEMORY_ATTENTION_RATIO = 0.8;

export interface RedisMemory {
  /** Largest used_memory over the masters. */
  usedBytes: number;
  /** maxmemory of that master (0: no limit set, Redis grows until the machine runs out). */
  maxBytes: number;
  /** The policies the masters run with (one unless misconfigured). */
  policies: string[];
  /** Null when all is well; else what a person must fix. */
  problem: null | { code: "eviction_policy" | "memory_high"; message: string };
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/** What Redis reports of its memory, and whether it is safe for stock (see the file comment). */
export async function redisMemory(redis: Redis | Cluster): Promise<RedisMemory> {
  const nodes: (Redis | Cluster)[] =
    "nodes" in redis && typeof redis.nodes === "function" && redis.isCluster ? redis.nodes("master") : [redis];
  const infos = await Promise.all(nodes.map((n) => n.info("memory")));
  let usedBytes = 0;
  let maxBytes = 0;
  let worst = -1;
  const policies = new Set<string>();
  for (const info of infos) {
    const used = Number(field(info, "used_memory") ?? 0);
    const max = Number(field(info, "maxmemory") ?? 0);
    policies.add(field(info, "maxmemory_policy") ?? "unknown");
    const ratio = max > 0 ? used / max : 0;
    if (ratio > worst) {
      worst = ratio;
      usedBytes = used;
      maxBytes = max;
    }
  }
  const evicting = [...policies].filter((p) => p !== "noeviction");
  const problem: RedisMemory["problem"] =
    evicting.length > 0
      ? {
          code: "eviction_policy",
          message: `Redis runs with maxmemory-policy ${evicting.join(", ")}: when full it would delete stock and holds. Set maxmemory-policy noeviction.`,
        }
      : maxBytes > 0 && usedBytes / maxBytes >= MEMORY_ATTENTION_RATIO
        ? {
            code: "memory_high",
            message: `Redis uses ${Math.round((100 * usedBytes) / maxBytes)} % of its maxmemory: raise maxmemory before new holds are refused.`,
          }
        : null;
  return { usedBytes, maxBytes, policies: [...policies], problem };
}
