// What domain services need, passed in explicitly so tests and the sidecar can supply their own.
import type { Redis } from "ioredis";
import { config } from "./config";
import { db, type Db } from "./db";
import { keys, redis } from "./redis";
import type { RedisKeys } from "./keys";

export interface Deps {
  redis: Redis;
  db: Db;
  keys: RedisKeys;
  /** How long a new hold lasts, in seconds. */
  holdTtlSeconds: number;
  /** Signs and checks flash-sale admission tokens; without it sales cannot admit anyone. */
  queueTokenSecret?: string;
}

/** The process-wide dependencies built from the environment (Next.js routes, the sidecar). */
export function appDeps(): Deps {
  return {
    redis: redis(),
    db: db(),
    keys: keys(),
    holdTtlSeconds: config().HOLD_TTL_SECONDS,
    queueTokenSecret: config().QUEUE_TOKEN_SECRET,
  };
}
