// Rate limits kept in Redis (rate-limiter-flexible), so every app instance counts together.
// A refusal is a 429 with Retry-After; a Redis outage fails open (the limiter must never be
// the reason a shopper cannot join, and Redis down already stops the queue itself).
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { config } from "./config";
import type { Deps } from "./context";
import { DomainError } from "./errors";

export interface LimitRule {
  name: string;
  points: number;
  durationSeconds: number;
}

const limiters = new WeakMap<object, Map<string, RateLimiterRedis>>();

function limiterFor(deps: Deps, rule: LimitRule): RateLimiterRedis {
  let byRule = limiters.get(deps.redis);
  if (!byRule) limiters.set(deps.redis, (byRule = new Map()));
  const id = `${rule.name}:${rule.points}:${rule.durationSeconds}`;
  let limiter = byRule.get(id);
  if (!limiter) {
    limiter = new RateLimiterRedis({
      storeClient: deps.redis,
      keyPrefix: deps.keys.rateLimit(rule.name),
      points: rule.points,
      duration: rule.durationSeconds,
    });
    byRule.set(id, limiter);
  }
  return limiter;
}

/** Count one request of `key` against a rule; over the limit throws 429 rate_limited with the wait. */
export async function consume(deps: Deps, rule: LimitRule, key: string): Promise<void> {
  try {
    await limiterFor(deps, rule).consume(key, 1);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new DomainError("rate_limited", `Too many requests; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
    console.error("[rate-limit] store unavailable, letting the request through:", err instanceof Error ? err.message : err);
  }
}

/**
 * The client address to count against. Next.js fills X-Forwarded-For with the socket address
 * only when the request has none, so behind a load balancer (which appends the address it saw)
 * the rightmost entry is the one no client can choose. Exposed directly, a client can send its
 * own header: put a proxy in front in production (README, Flash sales).
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
  return (last ?? headers.get("x-real-ip") ?? "unknown").slice(0, 64);
}

/** Queue joins per client address (the HTTP route and the sale page's Server Action count together). */
export function queueJoinRule(): LimitRule {
  return { name: "queue-join", points: config().QUEUE_JOIN_LIMIT_PER_MINUTE, durationSeconds: 60 };
}

/** Forget a key's count under a rule (a successful sign-in clears its email's failures). */
export async function forgive(deps: Deps, rule: LimitRule, key: string): Promise<void> {
  try {
    await limiterFor(deps, rule).delete(key);
  } catch (err) {
    console.error("[rate-limit] store unavailable, count not cleared:", err instanceof Error ? err.message : err);
  }
}

const LOGIN_WINDOW_SECONDS = 15 * 60;

/** Back-office sign-in attempts per email (whatever address they come from). */
export function loginEmailRule(): LimitRule {
  return { name: "login-email", points: config().LOGIN_LIMIT_PER_15_MINUTES, durationSeconds: LOGIN_WINDOW_SECONDS };
}

/** Back-office sign-in attempts per client address (an office shares one; it may try several emails). */
export function loginAddressRule(): LimitRule {
  return { name: "login-address", points: config().LOGIN_LIMIT_PER_15_MINUTES * 5, durationSeconds: LOGIN_WINDOW_SECONDS };
}
