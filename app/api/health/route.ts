import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { pendingLedgerEvents } from "@/lib/ledger";
import { openQuarantineCount } from "@/lib/ledger";
import { redisMemory, type RedisMemory } from "@/lib/core/redis-memory";

// Liveness and readiness, and the ledger's state:
// - 503 "degraded" when Redis or Postgres does not answer (take this instance out of rotation);
// - 200 "attention" when both answer but stock events sit in the ledger's quarantine unresolved,
//   or Redis could evict keys (a policy other than noeviction) or is near its maxmemory: the
//   shop serves correctly, a person must look (a 503 here would make a load balancer pull
//   every instance at once for a problem none of them can fix);
// - 200 "ok" otherwise. `ledger.pending` is the persister's backlog (events not yet in the ledger).

// The backlog reads every SKU's counters: a load balancer probing every second must not pay
// that each time, so one reading serves this process for a few seconds. The quarantine count
// is one indexed query and always current.
const BACKLOG_TTL_MS = 5_000;
let lastPending: { at: number; value: Promise<number | null>; memory: Promise<RedisMemory | null> } | null = null;

export const GET = handle(async () => {
  const deps = appDeps();
  const timeout = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000))]);
  const [redis, postgres] = await Promise.allSettled([timeout(deps.redis.ping()), timeout(deps.db.$queryRaw`SELECT 1`)]);
  const checks = { redis: redis.status === "fulfilled" ? "ok" : "down", postgres: postgres.status === "fulfilled" ? "ok" : "down" };
  const up = checks.redis === "ok" && checks.postgres === "ok";
  let ledger: { pending: number; quarantined: number } | null = null;
  let memory: { usedBytes: number; maxBytes: number; policy: string; problem: RedisMemory["problem"] } | null = null;
  if (up) {
    if (!lastPending || Date.now() - lastPending.at > BACKLOG_TTL_MS) {
      lastPending = {
        at: Date.now(),
        value: timeout(pendingLedgerEvents(deps)).catch(() => null),
        memory: timeout(redisMemory(deps.redis)).catch(() => null),
      };
    }
    const [pending, quarantined, mem] = await Promise.all([
      lastPending.value,
      timeout(openQuarantineCount(deps)).catch(() => null),
      lastPending.memory,
    ]);
    if (pending !== null && quarantined !== null) ledger = { pending, quarantined };
    memory = mem && { usedBytes: mem.usedBytes, maxBytes: mem.maxBytes, policy: mem.policies.join(","), problem: mem.problem };
  }
  const attention = ledger === null || ledger.quarantined > 0 || memory === null || memory.problem !== null;
  const status = !up ? "degraded" : attention ? "attention" : "ok";
  return json({ status, checks, ledger, memory }, up ? 200 : 503);
});
