// Rate limits kept in Redis (rate-limiter-flexible), so every app instance counts together; their
// settings are part of the one configuration schema (lib/core/config.ts).
// A refusal is a 429 with Retry-After; a Redis outage fails open (the limiter must never be
// the reason a shopper cannot join, and Redis down already stops the queue itself).
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { rateLimits } from "./config";
import type { Deps } from "./deps";
import { DomainError } from "./errors";
import { logFor } from "./log";

const logger = logFor("rate-limit");

export interface LimitRule {
  name: string;
  points: number;
  durationSeconds: number;
}

const limiters = new WeakMap<object, Map<string, RateLimiterRedis>>();
const storeClients = new WeakMap<object, Deps["redis"]>();

/**
 * The limiter's own connection, without auto-pipelining. rate-limiter-flexible registers its
 * script (defineCommand) when a limiter is created; on the shared auto-pipelined client, a
 * pipeline already queued at that moment lacks the command, fails, and ioredis then throws an
 * uncaught exception that stalls the other commands of that pipeline.
 */
function storeClientFor(deps: Deps): Deps["redis"] {
  let client = storeClients.get(deps.redis);
  if (!client) {
    client = deps.redis.duplicate({ enableAutoPipelining: false });
    client.on("error", () => {}); // It reconnects by itself; the shared client already logs an outage.
    storeClients.set(deps.redis, client);
  }
  return client;
}

function limiterFor(deps: Deps, rule: LimitRule): RateLimiterRedis {
  let byRule = limiters.get(deps.redis);
  if (!byRule) limiters.set(deps.redis, (byRule = new Map()));
  const id = `${rule.name}:${rule.points}:${rule.durationSeconds}`;
  let limiter = byRule.get(id);
  if (!limiter) {
    limiter = new RateLimiterRedis({
      storeClient: storeClientFor(deps),
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
    logger.error("[rate-limit] store unavailable, letting the request through:", err instanceof Error ? err.message : err);
  }
}

/**
 * The client address to count against. Next.js fills X-Forwarded-For with the socket address
 * only when the request has none, so behind a load balancer (which appends the address it saw)
 * the rightmost entry is the one no client can choose. Exposed directly, a client can send its
 * own header: put a proxy in front in production (docs/flash-sales.md).
 */
export function clientAddress(headers: Headers, fallback = "unknown"): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return (last ?? headers.get("x-real-ip") ?? fallback).slice(0, 64);
}

/** Queue joins per client address (the HTTP route and the sale page's Server Action count together). */
export function queueJoinRule(): LimitRule {
  return { name: "queue-join", points: rateLimits().QUEUE_JOIN_LIMIT_PER_MINUTE, durationSeconds: 60 };
}

/** Queue joins per shopper session. */
export function queueJoinSessionRule(): LimitRule {
  return { name: "queue-join-session", points: rateLimits().QUEUE_JOIN_LIMIT_PER_MINUTE_PER_SESSION, durationSeconds: 60 };
}

/** Holds placed per shopper session (POST /api/v1/reservations and add-to-cart count together). */
export function reserveSessionRule(): LimitRule {
  return { name: "reserve-session", points: rateLimits().RESERVE_LIMIT_PER_MINUTE_PER_SESSION, durationSeconds: 60 };
}

/** Holds placed per client address. */
export function reserveAddressRule(): LimitRule {
  return { name: "reserve-address", points: rateLimits().RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS, durationSeconds: 60 };
}

/** Socket handshakes per client address (the sidecar's `/` and `/admin` together). */
export function socketHandshakeRule(): LimitRule {
  return { name: "socket-handshake", points: rateLimits().SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS, durationSeconds: 60 };
}

/** `subscribe` requests per client address. */
export function socketSubscribeRule(): LimitRule {
  return { name: "socket-subscribe", points: rateLimits().SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS, durationSeconds: 60 };
}

export interface Caller {
  sessionId: string;
  address: string;
}

/** Count one hold attempt against the per-session and per-address rules (429 rate_limited beyond either). */
export async function limitReservations(deps: Deps, caller: Caller): Promise<void> {
  await consume(deps, reserveSessionRule(), caller.sessionId);
  await consume(deps, reserveAddressRule(), caller.address);
}

/** Count one queue join against the per-session and per-address rules (429 rate_limited beyond either). */
export async function limitQueueJoins(deps: Deps, caller: Caller): Promise<void> {
  await consume(deps, queueJoinSessionRule(), caller.sessionId);
  await consume(deps, queueJoinRule(), caller.address);
}

/** Forget a key's count under a rule (a successful sign-in clears its email's failures from that address). */
export async function forgive(deps: Deps, rule: LimitRule, key: string): Promise<void> {
  try {
    await limiterFor(deps, rule).delete(key);
  } catch (err) {
    logger.error("[rate-limit] store unavailable, count not cleared:", err instanceof Error ? err.message : err);
  }
}

/** Give back one point of a key's count under a rule (an attempt that turned out not to count). */
export async function refund(deps: Deps, rule: LimitRule, key: string): Promise<void> {
  try {
    await limiterFor(deps, rule).reward(key, 1);
  } catch (err) {
    logger.error("[rate-limit] store unavailable, point not given back:", err instanceof Error ? err.message : err);
  }
}

const LOGIN_WINDOW_SECONDS = 15 * 60;

/** Failed back-office sign-ins per email from one client address: the limit that stops guessing. */
export function loginPairRule(): LimitRule {
  return { name: "login-pair", points: rateLimits().LOGIN_LIMIT_PER_15_MINUTES, durationSeconds: LOGIN_WINDOW_SECONDS };
}

/** Failed sign-ins per client address, whatever the emails (an office shares one address). */
export function loginAddressRule(): LimitRule {
  return { name: "login-address", points: rateLimits().LOGIN_LIMIT_PER_15_MINUTES * 5, durationSeconds: LOGIN_WINDOW_SECONDS };
}

/**
 * Failed sign-ins per email from all addresses together: caps guessing spread over many
 * addresses. Not applied to an address the email has signed in from before, so such an attack
 * cannot lock the rightful user out where they usually work.
 */
export function loginEmailRule(): LimitRule {
  return { name: "login-email", points: rateLimits().LOGIN_LIMIT_PER_15_MINUTES * 10, durationSeconds: LOGIN_WINDOW_SECONDS };
}
