// Redis clients with Stockwire's Lua scripts registered as typed commands.
import { Cluster, Redis, type Result } from "ioredis";
import { config } from "./config";
import { luaScripts } from "../scripts/lua/index.generated";
import { redisKeys, type RedisKeys } from "./keys";
import { logFor } from "./log";

const logger = logFor("redis");

/** [code, quantity, available, version] as returned by the per-SKU scripts. */
export type StockScriptReply = [number, number, number, number];

declare module "ioredis" {
  interface RedisCommander<Context> {
    swReserve(
      stock: string,
      holds: string,
      events: string,
      sku: string,
      reservationId: string,
      quantity: number,
      partial: "0" | "1",
      source: string,
      actor: string,
      channel: string,
      saleId: string,
    ): Result<StockScriptReply, Context>;
    swRelease(
      stock: string,
      holds: string,
      events: string,
      sku: string,
      reservationId: string,
      type: "release" | "expire",
      source: string,
      actor: string,
      channel: string,
    ): Result<StockScriptReply, Context>;
    swCommit(
      stock: string,
      holds: string,
      events: string,
      sku: string,
      reservationId: string,
      source: string,
      actor: string,
      channel: string,
      orderNumber: string,
    ): Result<StockScriptReply, Context>;
    swAdjust(
      stock: string,
      events: string,
      ops: string,
      opsAt: string,
      sku: string,
      delta: number,
      type: string,
      reason: string,
      source: string,
      actor: string,
      channel: string,
      operationId: string,
    ): Result<StockScriptReply, Context>;
    swBulkStock(
      stock: string,
      events: string,
      ops: string,
      opsAt: string,
      sku: string,
      channel: string,
      source: string,
      actor: string,
      operationId: string,
      fingerprint: string,
      rows: number,
      ...fields: (string | number)[]
    ): Result<StockScriptReply, Context>;
    swSetStock(
      stock: string,
      events: string,
      ops: string,
      opsAt: string,
      sku: string,
      onHand: number,
      safety: number,
      lowStockThreshold: number,
      location: string,
      reason: string,
      source: string,
      actor: string,
      channel: string,
      startVersion: number,
      operationId: string,
    ): Result<StockScriptReply, Context>;
    swChannelReport(
      stock: string,
      events: string,
      ops: string,
      opsAt: string,
      channelCount: string,
      channelMovements: string,
      sku: string,
      kind: "movement" | "count",
      value: number,
      occurredAtMs: number,
      operationId: string,
      eventId: string,
      source: string,
      actor: string,
      channel: string,
    ): Result<[number, number, number, number, string], Context>;
    swRebuild(
      stock: string,
      holds: string,
      events: string,
      sku: string,
      onHand: number,
      safety: number,
      lowStockThreshold: number,
      location: string,
      ledgerVersion: number,
      source: string,
      actor: string,
      channel: string,
      reason: string,
      saleId: string,
      condition?: "0" | "1" | "2",
      version?: string,
      rankedHolds?: number,
      ...ranked: string[]
    ): Result<(number | string)[], Context>;
    /** 3 keys on Cluster, 5 on one node (with the reservation record and deadline set); see rebuild-release-orphan-n.lua. */
    swReleaseOrphanHold(
      numberOfKeys: 3 | 5,
      ...keysThenArgs: (string | number)[]
    ): Result<[number, number, number, number, string], Context>;
    swMarkPersisted(stock: string, events: string, version: number, minId: string): Result<number, Context>;
    swOpenReservation(
      reservation: string,
      sessionId: string,
      fingerprint: string,
      itemsJson: string,
      ttlSeconds: number,
      graceSeconds: number,
      kind: string,
    ): Result<[number, number, string, string, string], Context>;
    swTransitionReservation(
      reservation: string,
      expected: string,
      next: string,
      deadlineRule: "" | "before" | "after",
      ...fields: string[]
    ): Result<[number, string, number], Context>;
    /** A batch; a variable number of keys: the first argument is how many (see place-reservations-n.lua). */
    swPlaceReservations(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<(number | string)[][], Context>;
    /** A variable number of keys: the first argument is how many (see end-reservation-n.lua). */
    swEndReservation(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<[number, string, number, number], Context>;
    swExtendReservation(reservation: string, extraSeconds: number, graceSeconds: number): Result<[number, number], Context>;
    swQueueJoin(
      sale: string,
      queue: string,
      pre: string,
      seen: string,
      tickets: string,
      ticket: string,
      randomKey: number,
    ): Result<[number, string, number, number], Context>;
    swQueuePosition(
      sale: string,
      queue: string,
      pre: string,
      admitted: string,
      seen: string,
      tickets: string,
      departed: string,
      ticket: string,
      touch: "0" | "1",
    ): Result<string, Context>;
    swQueueLeave(
      sale: string,
      queue: string,
      pre: string,
      admitted: string,
      seen: string,
      tickets: string,
      departed: string,
      ticket: string,
    ): Result<[number, string], Context>;
    swQueueAdmit(
      sale: string,
      queue: string,
      pre: string,
      admitted: string,
      seen: string,
      tickets: string,
      departed: string,
      available: number,
      stockLeft: number,
      maxStart: number,
      maxDepart: number,
      maxAdmit: number,
    ): Result<string, Context>;
    swQueueClaim(
      sale: string,
      admitted: string,
      tickets: string,
      claims: string,
      ticket: string,
      reservationId: string,
      quantity: number,
    ): Result<[number, number, number], Context>;
    swQueueRefund(sale: string, admitted: string, tickets: string, claims: string, reservationId: string): Result<number, Context>;
    swSaleControl(
      sale: string,
      queue: string,
      pre: string,
      action: string,
      ...fields: (string | number)[]
    ): Result<[number, string], Context>;
    swSaleGate(stock: string, saleId: string, mode: "set" | "clear"): Result<[number, string], Context>;
    swLease(lease: string, action: "acquire" | "release", token: string, ttlMs: number): Result<number, Context>;
  }
}

const COMMANDS: Record<keyof typeof luaScripts, string> = {
  reserve: "swReserve",
  release: "swRelease",
  commit: "swCommit",
  adjust: "swAdjust",
  "set-stock": "swSetStock",
  "bulk-stock": "swBulkStock",
  "channel-report": "swChannelReport",
  rebuild: "swRebuild",
  "rebuild-release-orphan": "swReleaseOrphanHold",
  "mark-persisted": "swMarkPersisted",
  "open-reservation": "swOpenReservation",
  "transition-reservation": "swTransitionReservation",
  "extend-reservation": "swExtendReservation",
  "end-reservation": "swEndReservation",
  "place-reservations": "swPlaceReservations",
  "queue-join": "swQueueJoin",
  "queue-position": "swQueuePosition",
  "queue-leave": "swQueueLeave",
  "queue-admit": "swQueueAdmit",
  "queue-claim": "swQueueClaim",
  "queue-refund": "swQueueRefund",
  "sale-control": "swSaleControl",
  "sale-gate": "swSaleGate",
  lease: "swLease",
};

/** Register every Lua script on a client (EVALSHA, falling back to EVAL once per connection). */
export function defineScripts<C extends Redis | Cluster>(client: C): C {
  for (const [name, script] of Object.entries(luaScripts)) {
    const command = COMMANDS[name as keyof typeof luaScripts];
    client.defineCommand(command, { numberOfKeys: script.numberOfKeys ?? undefined, lua: script.lua });
  }
  return client;
}

/** A new Redis client with the scripts registered. */
export function createRedis(url: string = config().REDIS_URL, name = "stockwire"): Redis {
  const client = new Redis(url, {
    connectionName: name,
    // Many concurrent reservations: let ioredis batch commands issued in the same tick.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
  });
  client.on("error", (err) => {
    if (process.env.NODE_ENV !== "test") logger.error(`[redis:${name}]`, err.message);
  });
  return defineScripts(client);
}

/** Parse "host:port,host:port" into ioredis Cluster seed nodes. */
export function parseClusterNodes(nodes: string): { host: string; port: number }[] {
  return nodes
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const i = hp.lastIndexOf(":");
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
}

/**
 * A Redis Cluster client with the same scripts. Every script touches keys of one hash tag
 * (one slot, see lib/core/keys.ts), and multi-key work across SKUs is done as separate per-slot
 * steps, so the domain code runs unchanged.
 *
 * Typed as `Redis` on purpose: ioredis's `Cluster` has the same command surface (including
 * our `sw*` commands, declared on the shared `RedisCommander`), `duplicate()` (a new cluster
 * client: Pub/Sub works, PUBLISH is broadcast cluster-wide), `multi()`/`pipeline()` (split per
 * node; a MULTI must stay in one slot) and `defineCommand`. What it lacks is the single-node
 * `scanStream`/`keys` (scan each `nodes("master")` instead, see tests/cluster/helpers.ts) and
 * the `Redis` constructor options; nothing in lib/ or server/ uses those. Widening `Deps.redis`
 * to `Redis | Cluster` would turn every overloaded command into a union call for no gain.
 */
export function createRedisCluster(nodes: string, name = "stockwire"): Redis {
  const client = new Cluster(parseClusterNodes(nodes), {
    enableAutoPipelining: true,
    // Reads go to masters: a replica could show a stock level older than a hold just placed.
    scaleReads: "master",
    redisOptions: { connectionName: name, maxRetriesPerRequest: 2 },
  });
  client.on("error", (err: Error) => {
    if (process.env.NODE_ENV !== "test") logger.error(`[redis-cluster:${name}]`, err.message);
  });
  return defineScripts(client) as unknown as Redis;
}

/**
 * A new connection for SUBSCRIBE, from any client of ours. Without ioredis's ready check: once
 * the socket is up, ioredis spends a round trip on CLIENT SETINFO before its ready check, and a
 * SUBSCRIBE issued in that window is written at once (Redis accepts it while loading); the
 * check's INFO is then refused in subscriber mode, the check fails and the client reconnects —
 * a sidecar could start without hearing stock events. (A flaky realtime test showed it.)
 * No auto-pipelining either: subscriptions are not pipelined commands.
 */
export function createSubscriber(client: Redis): Redis {
  if (isCluster(client)) return client.duplicate();
  return client.duplicate({ enableAutoPipelining: false, enableReadyCheck: false });
}

/** True when a client made by createRedisCluster is a cluster client. */
export function isCluster(client: Redis): boolean {
  return (client as unknown) instanceof Cluster;
}

/** A client for the configured Redis: the cluster when REDIS_CLUSTER_NODES is set, else REDIS_URL. */
export function createConfiguredRedis(name = "stockwire"): Redis {
  const cfg = config();
  return cfg.REDIS_CLUSTER_NODES ? createRedisCluster(cfg.REDIS_CLUSTER_NODES, name) : createRedis(cfg.REDIS_URL, name);
}

const globalForRedis = globalThis as unknown as { stockwireRedis?: Redis };

/** The process-wide Redis client. */
export function redis(): Redis {
  globalForRedis.stockwireRedis ??= createConfiguredRedis("stockwire-app");
  return globalForRedis.stockwireRedis;
}

/** Redis key names for the configured prefix. */
export function keys(): RedisKeys {
  return redisKeys(config().REDIS_PREFIX);
}

/** Redis's clock in milliseconds: holds and deadlines use it so app clocks never disagree. */
export async function redisNow(client: Redis): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}
