// Every Redis key and channel Stockwire uses, in one place. Keys of one SKU share the hash
// tag {SKU} and keys of one reservation share {reservationId}, so each Lua script touches a
// single slot and runs unchanged on Redis Cluster.

/** SKU codes are upper-case letters, digits, '.', '_' and '-' (never braces: they are hash tags). */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;

export function redisKeys(prefix: string) {
  return {
    stock: (sku: string) => `${prefix}stock:{${sku}}`,
    holds: (sku: string) => `${prefix}stock:{${sku}}:holds`,
    events: (sku: string) => `${prefix}stock:{${sku}}:events`,
    /** Hash: operation id -> first reply of a stock script, so a re-sent call applies once (lib/scripts/lua/includes/operation.lua). */
    stockOps: (sku: string) => `${prefix}stock:{${sku}}:ops`,
    /** Sorted set: operation id -> when it was applied (ms), to forget old operation ids. */
    stockOpsAt: (sku: string) => `${prefix}stock:{${sku}}:ops:at`,
    /** Hash: a channel's last applied count of the SKU (countAt, countValue, countEvent, prunedTo). */
    channelCount: (channel: string, sku: string) => `${prefix}stock:{${sku}}:channel:${channel}`,
    /** Sorted set: the channel's applied movements of the SKU ("<delta> <operation id>" -> occurredAt ms). */
    channelMovements: (channel: string, sku: string) => `${prefix}stock:{${sku}}:channel:${channel}:movements`,
    /** Set of every SKU code present in Redis (for sweeps and rebuild checks). */
    skuIndex: `${prefix}skus`,
    reservation: (id: string) => `${prefix}res:{${id}}`,
    /** Sorted set: reservation id -> the time (ms) at which the expiry worker must look at it. */
    holdDeadlines: `${prefix}holds:deadlines`,
    sessionReservations: (sessionId: string) => `${prefix}session:{${sessionId}}:reservations`,
    idempotency: (sessionId: string, key: string) => `${prefix}session:{${sessionId}}:idem:${key}`,
    /** A flash sale's working state; every key of one sale shares the hash tag {saleId}. */
    sale: (id: string) => saleKeys(prefix, id),
    /** Set of the sales the admitters look after (scheduled, live or paused). */
    activeSales: `${prefix}sales:active`,
    /** Bumped by every catalog write: app instances reuse their catalog snapshot while it is unchanged. */
    catalogVersion: `${prefix}catalog:version`,
    /** Pub/Sub channel carrying every stock event as JSON. */
    eventsChannel: `${prefix}events`,
    /** Hash: sidecar instance id -> JSON of its recent emit propagation (p50/p99), for the overview. */
    propagation: `${prefix}metrics:propagation`,
    /** Short leases that keep several sidecars from doing the same sweep at once. */
    lease: (name: string) => `${prefix}lease:${name}`,
    /** A bulk sync request seen (fingerprint of its rows), by a hash of who sent it and its Idempotency-Key. */
    bulkSync: (hash: string) => `${prefix}bulk:${hash}`,
    /** Counters of the rate limiter named `name` (rate-limiter-flexible appends the client key). */
    rateLimit: (name: string) => `${prefix}rl:${name}`,
  };
}

/** Sale ids: lower-case words joined by '-' (never braces: they are hash tags). */
export const SALE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function saleKeys(prefix: string, id: string) {
  const base = `${prefix}sale:{${id}}`;
  return {
    hash: base,
    queue: `${base}:queue`,
    pre: `${base}:pre`,
    admitted: `${base}:admitted`,
    seen: `${base}:seen`,
    tickets: `${base}:tickets`,
    departed: `${base}:departed`,
    claims: `${base}:claims`,
  };
}

export type SaleKeys = ReturnType<typeof saleKeys>;

export type RedisKeys = ReturnType<typeof redisKeys>;
