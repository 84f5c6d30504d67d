// Fault: a `next start` instance is killed with SIGKILL (every process of its group) while
// ~200 multi-line cart reservations (POST /api/v1/reservations with an Idempotency-Key) are in
// flight on it. Every request is then retried with the same key and session cookie: three in
// four at once on the stack's other web server (and again on the killed instance once it is
// restarted on its port); one in four is abandoned, and retried only after its hold time has
// run out. (On a single Redis node a reservation is one Lua script, so the crash cannot stop a
// cart half-way in Redis; the per-slot steps of Redis Cluster and flash-sale holds, which can
// leave a "pending" record, are not what this test drives — it counts them if they appear.)
// Pass:
// - every retry ends with exactly one reservation per key: the same id on every answer, the
//   stored refusal repeated, never 409 request_in_progress or a 5xx; per (reservation, SKU) the
//   ledger never shows the line held twice at once;
// - no cart half-held: every reservation record is held on all its lines or on none (a
//   "pending" one may be part-way until its retry or its deadline);
// - every live record (held, or pending) ends by the expiry worker within 3 s of its deadline
//   and gives its units back: reserved = 0 at the end, onHand unchanged;
// - per SKU, at one instant (a Redis transaction): reserved = the units in its holds hash, all
//   of which belong to the test's records, ≤ onHand − safety; the inventory API agrees;
// - the ledger holds versions 1..n of every SKU once each, its last event equals Redis's
//   counters, and a reconciliation pass (admin API) finds no drift — after the retries and at
//   the end.
import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../scripts/stack";
import {
  createSkuWith,
  groupPids,
  isAlive,
  levelsAgainstLedger,
  mapLimit,
  percentile,
  reconcileNow,
  redisOf,
  report,
  Shopper,
  sleep,
  startChaosInstance,
  startChaosStack,
  waitForLedger,
  type Answer,
  type ChaosStack,
} from "./harness";

const HOLD_TTL_S = 20;
const SHOPPERS = 40;
const LOOPS_PER_SHOPPER = 5; // requests in flight per shopper
/** The kill comes once this many requests were answered (the instance is warm and busy), plus 300 ms. */
const MIN_ANSWERED_BEFORE_KILL = 150;

let stack: ChaosStack;
let victim: Instance;
let redis: Redis;

beforeAll(async () => {
  stack = await startChaosStack("nextkill", { HOLD_TTL_SECONDS: String(HOLD_TTL_S) });
  victim = await startChaosInstance(stack, "web", "web-victim");
  redis = redisOf(stack);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

type Items = { sku: string; quantity: number }[];
type ReserveBody = { id?: string; expiresAt?: string; items?: Items; error?: { code: string } };

interface Attempt {
  shopper: Shopper;
  key: string;
  items: Items;
  abandoned: boolean;
  /** When the first attempt was sent (its record's deadline is at least HOLD_TTL_S later). */
  sentAt: number;
  first: Answer<ReserveBody> | null;
  retries: Answer<ReserveBody>[];
}

interface ResRecord {
  id: string;
  status: string;
  session: string;
  items: Items;
  expiresAt: number;
  /** How many of its lines the SKUs' holds hashes hold for it. */
  heldLines: number;
}

const code = (a: Answer<ReserveBody>) => a.body?.error?.code ?? null;

it("keeps carts all-or-nothing, keys idempotent and the ledger exact after kill -9 of a Next.js instance mid-request", async () => {
  const prefix = stack.env.REDIS_PREFIX!;
  // Five roomy SKUs and one scarce one, so some carts are refused part-way (the compensation path).
  const roomy = await Promise.all([0, 1, 2, 3, 4].map((i) => createSkuWith(stack, "NK", 5_000, i === 0 ? 5 : 0)));
  const scarce = await createSkuWith(stack, "NKS", 40, 2);
  const skus = [...roomy, scarce];
  const initial = new Map<string, { onHand: number; safety: number }>();
  const probe = new Shopper(stack.baseUrl, 249);
  for (const sku of skus) initial.set(sku, (await probe.inventory(sku)).body);

  // Warm both web servers' reservation route (a fresh `next start` loads it on first use), on a SKU of its own.
  const warmSku = await createSkuWith(stack, "NKW", 1_000, 0);
  await mapLimit([victim.url, stack.baseUrl, victim.url, stack.baseUrl], 4, async (url, i) => {
    const w = new Shopper(url, 240 + i);
    const held = await w.reserve([{ sku: warmSku, quantity: 1 }], `warm-${i}`);
    if (held.status === 201) await w.release(held.body.id!);
  });

  // Shoppers get their session cookie from the instance that will die.
  const shoppers = Array.from({ length: SHOPPERS }, (_, i) => new Shopper(victim.url, i + 1));
  await mapLimit(shoppers, 20, (s) => s.call("GET", `/api/v1/inventory/${skus[0]}`));
  expect(shoppers.every((s) => s.sessionId)).toBe(true);

  let seq = 0;
  const cart = (): Items => {
    const lines = 2 + (seq % 3);
    const picked = new Set<string>();
    for (let j = 0; picked.size < lines; j++) picked.add(roomy[(seq * 7 + j * 3) % roomy.length]!);
    if (seq % 3 === 0) picked.add(scarce);
    return [...picked].map((sku, j) => ({ sku, quantity: 1 + ((seq + j) % 3) }));
  };
  const attempts: Attempt[] = [];
  let killed = false;
  let answered = 0;
  const load = shoppers.flatMap((shopper, si) =>
    Array.from({ length: LOOPS_PER_SHOPPER }, async (_, li) => {
      for (let n = 0; !killed; n++) {
        const attempt: Attempt = {
          shopper,
          key: `nk-${si}-${li}-${n}`,
          items: cart(),
          abandoned: seq++ % 4 === 3,
          sentAt: Date.now(),
          first: null,
          retries: [],
        };
        attempts.push(attempt);
        attempt.first = await shopper.reserve(attempt.items, attempt.key);
        if (!killed) answered++;
      }
    }),
  );

  // Kill once the instance is busy at full speed (not while it is still loading its code).
  const loadStarted = Date.now();
  while (answered < MIN_ANSWERED_BEFORE_KILL && Date.now() - loadStarted < 15_000) await sleep(20);
  await sleep(300);
  const pids = groupPids(victim.pid);
  const answeredBeforeKill = attempts.filter((a) => a.first).length;
  const inFlightAtKill = attempts.length - answeredBeforeKill;
  killed = true;
  victim.kill("SIGKILL");
  const exit = await victim.exited;
  await sleep(200);
  const survivors = pids.filter(isAlive);
  await Promise.all(load);
  const loadMs = Date.now() - loadStarted;

  const sessions = new Set(shoppers.map((s) => s.sessionId!));
  const atCrash = await snapshot(redis, prefix, sessions, skus);
  const pendingAtCrash = atCrash.records.filter((r) => r.status === "pending");
  const halfHeldAtCrash = atCrash.records.filter((r) => r.heldLines > 0 && r.heldLines < r.items.length);

  // Retry: three in four now, on the stack's other web server; twice each.
  const retryNow = attempts.filter((a) => !a.abandoned);
  const retryStarted = Date.now();
  await mapLimit(retryNow, 32, async (a) => {
    a.retries.push(await a.shopper.reserve(a.items, a.key, stack.baseUrl));
    a.retries.push(await a.shopper.reserve(a.items, a.key, stack.baseUrl));
  });
  const retryMs = Date.now() - retryStarted;

  const problems: string[] = [];
  // A record can only have expired once its deadline (at least TTL after the first attempt was sent) has passed.
  const couldHaveExpired = (a: Attempt) => Date.now() >= a.sentAt + HOLD_TTL_S * 1000;
  const retryIds: string[] = [];
  for (const a of retryNow) {
    const [r1, r2] = a.retries as [Answer<ReserveBody>, Answer<ReserveBody>];
    const f = a.first!;
    const expired1 = r1.status === 410 && code(r1) === "reservation_expired" && couldHaveExpired(a);
    const ok1 = r1.status === 201 || r1.status === 200 || (r1.status === 409 && code(r1) === "insufficient_stock") || expired1;
    if (!ok1) problems.push(`${a.key}: retry answered ${r1.status} ${JSON.stringify(r1.body)}`);
    // The second retry replays the first retry's outcome (or finds the hold expired, once it may have).
    if (r1.status >= 300) {
      if (r2.status !== r1.status || code(r2) !== code(r1))
        problems.push(`${a.key}: outcome not replayed: ${r2.status} ${JSON.stringify(r2.body)}`);
    } else if (!(r2.status === 200 && r2.body.id === r1.body.id) && !(r2.status === 410 && couldHaveExpired(a))) {
      problems.push(`${a.key}: second retry ${r2.status} ${JSON.stringify(r2.body)} after ${r1.body.id}`);
    }
    // An answer that got out before the crash is what every retry says.
    if (f.status === 201 && !((r1.status === 200 && r1.body.id === f.body.id) || expired1)) {
      problems.push(`${a.key}: answered 201 ${f.body.id} before the crash, retry ${r1.status} ${JSON.stringify(r1.body)}`);
    }
    if (f.status === 409 && (r1.status !== 409 || code(r1) !== code(f))) {
      problems.push(`${a.key}: answered ${code(f)} before the crash, retry ${r1.status} ${JSON.stringify(r1.body)}`);
    }
    if (f.status !== 0 && f.status !== 201 && f.status !== 409)
      problems.push(`${a.key}: first answer ${f.status} ${JSON.stringify(f.body)}`);
    if (r1.status < 300) {
      const asked = new Map(a.items.map((i) => [i.sku, i.quantity]));
      const got = r1.body.items ?? [];
      if (got.length !== a.items.length || got.some((i) => asked.get(i.sku) !== i.quantity)) {
        problems.push(`${a.key}: holds ${JSON.stringify(got)} for ${JSON.stringify(a.items)}`);
      }
      retryIds.push(r1.body.id!);
    }
  }
  // One key, one id: no two keys share a reservation.
  expect(new Set(retryIds).size).toBe(retryIds.length);

  // Redis after the retries, read in one transaction (so a hold expiring meanwhile cannot skew the sums).
  const afterRetry = await snapshot(redis, prefix, sessions, skus);
  const byId = new Map(afterRetry.records.map((r) => [r.id, r]));
  problems.push(...consistency(afterRetry, initial));
  for (const id of retryIds) {
    const r = byId.get(id);
    if (!r || !(r.status === "held" || (r.status === "expired" && afterRetry.at >= r.expiresAt))) {
      problems.push(`${id}: answered held, Redis says ${r?.status} (deadline ${r ? r.expiresAt - afterRetry.at : "?"} ms away)`);
    }
  }
  const pendingAfterRetry = afterRetry.records.filter((r) => r.status === "pending");
  for (const r of pendingAfterRetry) if (retryIds.includes(r.id)) problems.push(`${r.id}: still pending after its retry`);
  // Only abandoned requests that got no answer can still be pending (a retried one was finished by its retry).
  const unansweredAbandoned = attempts.filter((a) => a.abandoned && a.first?.status === 0).length;
  // The inventory API says the same as Redis: available = onHand − reserved − safety, onHand unchanged.
  const midLevels: Record<string, unknown> = {};
  for (const sku of skus) {
    const level = (await probe.inventory(sku)).body;
    midLevels[sku] = level;
    if (level.onHand !== initial.get(sku)!.onHand) problems.push(`${sku}: API onHand ${level.onHand}, was ${initial.get(sku)!.onHand}`);
    if (level.available !== Math.max(0, level.onHand - level.reserved - level.safety))
      problems.push(`${sku}: API available ${level.available}`);
    if (level.reserved > level.onHand - level.safety) problems.push(`${sku}: oversold ${JSON.stringify(level)}`);
  }
  const midReconcile = await reconcileNow(stack);

  // The killed instance comes back on its port; the same keys replay there too.
  const restartStarted = Date.now();
  const restarted = await startChaosInstance(stack, "web", "web-victim-restarted", { port: Number(new URL(victim.url).port) });
  const restartMs = Date.now() - restartStarted;
  let replayedOnRestarted = 0;
  await mapLimit(retryNow, 32, async (a) => {
    const r1 = a.retries[0]!;
    const again = await a.shopper.reserve(a.items, a.key, restarted.url);
    a.retries.push(again);
    if (r1.status >= 300) {
      if (again.status !== r1.status || code(again) !== code(r1))
        problems.push(`${a.key}: on the restarted instance ${again.status} ${JSON.stringify(again.body)}`);
    } else if (again.status === 200 && again.body.id === r1.body.id) {
      replayedOnRestarted++;
    } else if (!(again.status === 410 && Date.now() >= Date.parse(r1.body.expiresAt!))) {
      problems.push(`${a.key}: on the restarted instance ${again.status} ${JSON.stringify(again.body)} (held as ${r1.body.id})`);
    }
  });

  // Every live record — held (retried or abandoned after its answer was lost) or left pending
  // by the crash — ends by the expiry worker at its deadline and gives its units back.
  const lastDeadline = Math.max(...afterRetry.records.map((r) => r.expiresAt));
  const live = afterRetry.records.filter((r) => r.status === "pending" || r.status === "held");
  const watched = new Set(live.map((r) => r.id));
  while (watched.size > 0 && Date.now() < lastDeadline + 10_000) {
    const ids = [...watched];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(`${prefix}res:{${id}}`, "status");
    const statuses = (await pipeline.exec())!.map(([, v]) => v as string | null);
    ids.forEach((id, i) => {
      if (statuses[i] !== "pending" && statuses[i] !== "held") watched.delete(id);
    });
    await sleep(200);
  }
  let reservedLeft = Infinity;
  while (Date.now() < lastDeadline + 10_000) {
    reservedLeft = 0;
    for (const sku of skus) reservedLeft += (await probe.inventory(sku)).body.reserved;
    if (reservedLeft === 0) break;
    await sleep(200);
  }
  const reservedZeroAfterDeadlineMs = Date.now() - lastDeadline;
  const afterExpiry = await snapshot(redis, prefix, sessions, skus);
  problems.push(...consistency(afterExpiry, initial));
  const stillLive = afterExpiry.records.filter((r) => r.status === "pending" || r.status === "held");

  // The abandoned keys, retried after their hold time: an existing record answers with its outcome
  // (410 expired, or the stored refusal), never a second hold; a request that never reached the
  // server before the crash is placed now (201), and released again.
  const abandoned = attempts.filter((a) => a.abandoned);
  const crashIds = new Set(atCrash.records.map((r) => r.id));
  const freshIds: string[] = [];
  await mapLimit(abandoned, 32, async (a) => {
    const r = await a.shopper.reserve(a.items, a.key, stack.baseUrl);
    a.retries.push(r);
    const f = a.first!;
    const label = `${r.status} ${code(r) ?? ""}`.trim();
    if (f.status === 201 && !(r.status === 410 && code(r) === "reservation_expired"))
      problems.push(`${a.key}: held before the crash, after expiry ${label}`);
    if (f.status === 409 && !(r.status === 409 && code(r) === code(f)))
      problems.push(`${a.key}: refused before the crash, after expiry ${label}`);
    if (![201, 409, 410].includes(r.status)) problems.push(`${a.key}: after expiry ${label} ${JSON.stringify(r.body)}`);
    if (r.status === 201) {
      freshIds.push(r.body.id!);
      const released = await a.shopper.release(r.body.id!);
      if (released.status !== 200) problems.push(`${a.key}: release of the fresh hold ${released.status}`);
    }
  });
  // 201 only for a request the crashed instance never recorded.
  for (const id of freshIds) if (crashIds.has(id)) problems.push(`${id}: existed at the crash, yet placed again after expiry`);

  // The ledger: complete, equal to Redis, and no line ever held twice at once.
  const ledger = await waitForLedger(stack, skus, 30_000);
  const levels = await levelsAgainstLedger(stack, redis, skus);
  const finalReconcile = await reconcileNow(stack);
  const db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  const rows = await db.query<{ sku: string; version: number; type: string; delta: number; reservationId: string; at: Date }>(
    `SELECT sku, version, type, delta, "reservationId", at FROM "InventoryEvent"
     WHERE sku = ANY($1::text[]) AND "reservationId" IS NOT NULL ORDER BY sku, version`,
    [skus],
  );
  await db.end();
  const running = new Map<string, number>();
  let doubleHeld = 0;
  for (const e of rows.rows) {
    const k = `${e.reservationId} ${e.sku}`;
    if (e.type === "hold") {
      if ((running.get(k) ?? 0) !== 0) doubleHeld++;
      running.set(k, -e.delta);
    } else if (e.type === "release" || e.type === "expire") {
      running.set(k, 0);
    }
  }
  const stillHeldInLedger = [...running.values()].filter((q) => q !== 0).length;
  // How late each live record's units came back: its last expire event's time (Redis's clock) minus its deadline.
  const expiredAt = new Map<string, number>();
  for (const e of rows.rows) {
    if (e.type === "expire") expiredAt.set(e.reservationId, Math.max(expiredAt.get(e.reservationId) ?? 0, e.at.getTime()));
  }
  const endedLate = live.filter((r) => r.heldLines > 0 && expiredAt.has(r.id)).map((r) => expiredAt.get(r.id)! - r.expiresAt);

  const finalLevels = await Promise.all(skus.map(async (sku) => (await probe.inventory(sku)).body));
  const statusCount = (list: ResRecord[]) => list.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
  report("next-kill", {
    attempts: attempts.length,
    loadMs,
    answeredBeforeKill,
    inFlightAtKill,
    victimExit: exit,
    victimPids: pids.length,
    survivors: survivors.length,
    recordsAtCrash: statusCount(atCrash.records),
    pendingAtCrash: pendingAtCrash.length,
    halfHeldAtCrash: halfHeldAtCrash.length,
    retriedNow: retryNow.length,
    retryMs,
    retryOutcomes: tallyOf(retryNow.map((a) => a.retries[0]!)),
    recordsAfterRetry: statusCount(afterRetry.records),
    pendingAfterRetry: pendingAfterRetry.length,
    unansweredAbandoned,
    midReconcile: { drifted: midReconcile.drifted, skus: midReconcile.skus },
    restartMs,
    replayedOnRestarted,
    liveRecordsEnded: endedLate.length,
    endedMsAfterDeadline: endedLate.length
      ? { min: Math.min(...endedLate), p50: percentile(endedLate, 50), max: Math.max(...endedLate) }
      : null,
    reservedZeroMsAfterLastDeadline: reservedZeroAfterDeadlineMs,
    abandonedRetriedAfterExpiry: abandoned.length,
    abandonedOutcomes: tallyOf(abandoned.map((a) => a.retries.at(-1)!)),
    recordsAtEnd: statusCount(afterExpiry.records),
    ledgerEventsWithReservation: rows.rows.length,
    doubleHeld,
    stillHeldInLedger,
    finalReconcile: { drifted: finalReconcile.drifted, skus: finalReconcile.skus },
    ledgerCatchUpMs: ledger.ms,
    levelsMatch: levels.every((l) => l.matches),
    midLevels,
    finalLevels,
    problems: problems.slice(0, 20),
    problemCount: problems.length,
  });

  expect(inFlightAtKill, "the kill hit requests in flight").toBeGreaterThan(0);
  expect(survivors, "every process of the killed instance is gone").toEqual([]);
  expect(problems).toEqual([]);
  expect(pendingAfterRetry.length).toBeLessThanOrEqual(unansweredAbandoned);
  expect(midReconcile.drifts).toEqual([]);
  expect(watched.size, "live records that did not end").toBe(0);
  expect(endedLate.length, "live records whose units came back by expiry").toBe(live.filter((r) => r.heldLines > 0).length);
  for (const late of endedLate) expect(late).toBeLessThanOrEqual(3_000);
  expect(stillLive).toEqual([]);
  expect(reservedLeft).toBe(0);
  for (const level of finalLevels) {
    expect(level.reserved).toBe(0);
    expect(level.onHand).toBe(initial.get(level.sku)!.onHand);
  }
  expect(doubleHeld).toBe(0);
  expect(stillHeldInLedger).toBe(0);
  for (const check of Object.values(ledger.checks)) expect(check.complete, JSON.stringify(check)).toBe(true);
  expect(levels.filter((l) => !l.matches)).toEqual([]);
  expect(finalReconcile.drifts).toEqual([]);
});

interface Snapshot {
  /** Redis's clock when it was read (ms). */
  at: number;
  records: ResRecord[];
  stock: Map<string, { onHand: number; reserved: number; safety: number }>;
  /** Per SKU: reservation id → units held. */
  holds: Map<string, Map<string, number>>;
}

/** Every reservation record of the test's sessions, and the SKUs' counters and holds, read in one transaction. */
async function snapshot(redis: Redis, prefix: string, sessions: Set<string>, skus: string[]): Promise<Snapshot> {
  const ids: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}res:*`, "COUNT", 1000);
    cursor = next;
    for (const k of keys) ids.push(/\{(r_[^}]+)\}/.exec(k)![1]!);
  } while (cursor !== "0");
  const tx = redis.multi().time();
  for (const id of ids) tx.hgetall(`${prefix}res:{${id}}`);
  for (const sku of skus) tx.hmget(`${prefix}stock:{${sku}}`, "onHand", "reserved", "safety").hgetall(`${prefix}stock:{${sku}}:holds`);
  const replies = (await tx.exec())!.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
  const [sec, usec] = replies[0] as [string, string];
  const holds = new Map<string, Map<string, number>>();
  const stock = new Map<string, { onHand: number; reserved: number; safety: number }>();
  skus.forEach((sku, i) => {
    const [onHand, reserved, safety] = (replies[1 + ids.length + 2 * i] as string[]).map(Number) as [number, number, number];
    stock.set(sku, { onHand, reserved, safety });
    const h = replies[2 + ids.length + 2 * i] as Record<string, string>;
    holds.set(sku, new Map(Object.entries(h).map(([id, q]) => [id, Number(q)])));
  });
  const records: ResRecord[] = [];
  ids.forEach((id, i) => {
    const h = replies[1 + i] as Record<string, string>;
    if (!sessions.has(h.session ?? "")) return;
    const items = JSON.parse(h.items ?? "[]") as Items;
    const heldLines = items.filter((line) => holds.get(line.sku)?.has(id)).length;
    records.push({ id, status: h.status!, session: h.session!, items, expiresAt: Number(h.expiresAt), heldLines });
  });
  return { at: Number(sec) * 1000 + Math.floor(Number(usec) / 1000), records, stock, holds };
}

/**
 * At one instant: a record that is not pending holds all its lines (held) or none (every other
 * state), each with the units asked; every unit in a holds hash belongs to one of the records;
 * reserved = the units in the holds hash ≤ onHand − safety; onHand unchanged (nothing was sold).
 */
function consistency(s: Snapshot, initial: Map<string, { onHand: number }>): string[] {
  const problems: string[] = [];
  const known = new Set(s.records.map((r) => r.id));
  for (const r of s.records) {
    if (r.status !== "pending") {
      const want = r.status === "held" ? r.items.length : 0;
      if (r.heldLines !== want) problems.push(`${r.id}: ${r.status} with ${r.heldLines} of ${r.items.length} lines held`);
    }
    for (const line of r.items) {
      const q = s.holds.get(line.sku)?.get(r.id);
      if (q !== undefined && q !== line.quantity) problems.push(`${r.id}: holds ${q} of ${line.sku}, asked ${line.quantity}`);
    }
  }
  for (const [sku, level] of s.stock) {
    const holds = s.holds.get(sku)!;
    const units = [...holds.values()].reduce((n, q) => n + q, 0);
    for (const id of holds.keys()) if (!known.has(id)) problems.push(`${sku}: units held for ${id}, which no record of the test knows`);
    if (level.reserved !== units) problems.push(`${sku}: reserved ${level.reserved}, its holds hash ${units}`);
    if (level.reserved > level.onHand - level.safety) problems.push(`${sku}: oversold ${JSON.stringify(level)}`);
    if (level.onHand !== initial.get(sku)!.onHand) problems.push(`${sku}: onHand ${level.onHand}, was ${initial.get(sku)!.onHand}`);
  }
  return problems;
}

function tallyOf(answers: Answer<ReserveBody>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = `${a.status} ${code(a) ?? ""}`.trim();
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
