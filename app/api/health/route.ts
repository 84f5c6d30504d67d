import { appDeps } from "@/lib/context";
import { json } from "@/lib/http";

// Liveness and readiness: 200 when Redis and Postgres both answer, 503 naming what does not.
export async function GET() {
  const deps = appDeps();
  const timeout = <T,>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000))]);
  const [redis, postgres] = await Promise.allSettled([timeout(deps.redis.ping()), timeout(deps.db.$queryRaw`SELECT 1`)]);
  const checks = { redis: redis.status === "fulfilled" ? "ok" : "down", postgres: postgres.status === "fulfilled" ? "ok" : "down" };
  const ok = checks.redis === "ok" && checks.postgres === "ok";
  return json({ status: ok ? "ok" : "degraded", checks }, ok ? 200 : 503);
}
