// Invariant 9, "a ledger nothing can stop" (issue 12, defect 1), against real Redis and Postgres:
// - the edge refuses hostile text and out-of-range numbers with a 400 and changes nothing
//   (the admin adjust route with note "a\u0000b" is the exact repro);
// - an event Postgres refuses anyway (written straight into a SKU's stream, as an older
//   version could have) is quarantined whole, alerted on and shown, and every later event of
//   that SKU and of the others still reaches the ledger;
// - a version collision with a different payload is quarantined, an identical copy is not;
// - a Postgres outage quarantines nothing (it is retried);
// - reconciliation and /api/health answer, and a refused SKU upsert leaves Postgres unchanged.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inject } from "vitest";

vi.mock("server-only", () => ({}));

import { POST as adjustRoute } from "../../app/api/v1/admin/inventory/[sku]/adjust/route";
import { PUT as upsertRoute } from "../../app/api/v1/admin/skus/[sku]/route";
import { POST as salesRoute } from "../../app/api/v1/admin/sales/route";
import { POST as usersRoute } from "../../app/api/v1/admin/users/route";
import { POST as tokensRoute } from "../../app/api/v1/admin/tokens/route";
import { POST as webhooksRoute } from "../../app/api/v1/admin/webhooks/route";
import { POST as reconcileRoute } from "../../app/api/v1/admin/reconciliation/route";
import { GET as healthRoute } from "../../app/api/health/route";
import { upsertSku } from "../../lib/catalog";
import { resetConfigForTests } from "../../lib/core/config";
import type { Deps } from "../../lib/core/deps";
import { Prisma } from "../../lib/generated/prisma/client";
import { adjustStock, stockLevel } from "../../lib/stock";
import { persistAllPending, persistSkuEvents } from "../../lib/ledger";
import { isDataError, openQuarantineCount, quarantineBoard, resolveQuarantinedEvent } from "../../lib/ledger";
import { reconcile } from "../../lib/ledger";
import { placeReservation } from "../../lib/reservations";
import { seedSkus, testDeps, uid } from "../helpers";
import { HOSTILE } from "../hostile-strings";

const deps = testDeps();
const TOKEN = `admin-token-${uid(16)}`;
const savedEnv = { ...process.env };

beforeAll(() => {
  // The route handlers use the process-wide clients: point them at this file's servers and key prefix.
  process.env.DATABASE_URL = inject("databaseUrl");
  process.env.REDIS_URL = inject("redisUrl");
  process.env.REDIS_PREFIX = deps.prefix;
  process.env.ADMIN_API_TOKEN = TOKEN;
  resetConfigForTests();
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetConfigForTests();
  await deps.close();
});

const who = { source: "test" };

function call(body: unknown, method = "POST"): Request {
  return new Request("http://shop.test/api", {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const params = <T extends object>(p: T) => ({ params: Promise.resolve(p) });

async function answer(res: Response): Promise<{ status: number; code: string | null; body: Record<string, unknown> }> {
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: (body.error as { code?: string } | undefined)?.code ?? null, body };
}

async function ledgerOf(sku: string) {
  return deps.db.inventoryEvent.findMany({ where: { sku }, orderBy: { version: "asc" } });
}

async function quarantinedOf(sku: string) {
  return deps.db.quarantinedEvent.findMany({ where: { sku }, orderBy: { streamId: "asc" } });
}

/**
 * Append an event to a SKU's stream as the Lua scripts do (version bumped in the counters),
 * with some fields overridden: what an older version of the shop, or a bug, could have left there.
 */
async function injectEvent(sku: string, over: Record<string, string>): Promise<number> {
  const [onHand, reserved, safety] = (await deps.redis.hmget(deps.keys.stock(sku), "onHand", "reserved", "safety")).map(Number);
  const version = await deps.redis.hincrby(deps.keys.stock(sku), "version", 1);
  const fields: Record<string, string> = {
    type: "adjust",
    sku,
    location: "main",
    delta: "0",
    onHand: String(onHand),
    reserved: String(reserved),
    safety: String(safety),
    available: String(onHand! - reserved! - safety!),
    version: String(version),
    reason: "injected",
    source: "old-version",
    actor: "",
    rid: "",
    at: String(Date.now()),
    ...over,
  };
  await deps.redis.xadd(deps.keys.events(sku), "*", ...Object.entries(fields).flat());
  return version;
}

describe("the edge refuses what Postgres cannot store", () => {
  it('POST /api/v1/admin/inventory/:sku/adjust with note "a\\u0000b" is a 400 and changes nothing (the issue\'s repro)', async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const before = await stockLevel(deps, sku!);
    const res = await answer(await adjustRoute(call({ delta: 5, reason: "received", note: "a\u0000b" }), params({ sku: sku! })));
    expect(res).toMatchObject({ status: 400, code: "invalid_request" });
    expect(await stockLevel(deps, sku!)).toEqual(before);
    // The ledger keeps up: the SKU's earlier events are there, nothing waits.
    await persistSkuEvents(deps, sku!);
    expect((await ledgerOf(sku!)).map((e) => e.version)).toEqual([1]);
    // A clean note still works.
    const ok = await answer(await adjustRoute(call({ delta: 5, reason: "received", note: "pallet 7" }), params({ sku: sku! })));
    expect(ok).toMatchObject({ status: 200, body: { onHand: 15 } });
  });

  // Each hostile string in every stored text field of the admin routes: refused, SKU untouched.
  // A 1 MB string is over the body limit, so it is a 413 before validation; everything else a 400.
  const expected = (kind: string) =>
    kind === "1 MB" ? { status: 413, code: "payload_too_large" } : { status: 400, code: "invalid_request" };
  const product = (slug: string) => ({ slug, name: "Hostile test" });
  const ROUTES: { field: string; send: (sku: string, slug: string, v: string) => Promise<Response>; multiline?: boolean }[] = [
    { field: "adjust note", send: (sku, _s, v) => adjustRoute(call({ delta: 1, reason: "correction", note: v }), params({ sku })) },
    {
      field: "upsert reason",
      send: (sku, s, v) => upsertRoute(call({ product: product(s), priceCents: 100, onHand: 7, reason: v }, "PUT"), params({ sku })),
    },
    {
      field: "upsert product name",
      send: (sku, s, v) => upsertRoute(call({ product: { ...product(s), name: v }, priceCents: 100, onHand: 7 }, "PUT"), params({ sku })),
    },
    {
      field: "upsert description",
      multiline: true,
      send: (sku, s, v) =>
        upsertRoute(call({ product: { ...product(s), description: v }, priceCents: 100, onHand: 7 }, "PUT"), params({ sku })),
    },
    {
      field: "upsert label",
      send: (sku, s, v) => upsertRoute(call({ product: product(s), label: v, priceCents: 100, onHand: 7 }, "PUT"), params({ sku })),
    },
    {
      field: "upsert color",
      send: (sku, s, v) => upsertRoute(call({ product: product(s), color: v, priceCents: 100, onHand: 7 }, "PUT"), params({ sku })),
    },
    {
      field: "sale name",
      send: (sku, _s, v) =>
        salesRoute(
          call({
            id: `h-${uid(6).toLowerCase()}`,
            name: v,
            startsAt: new Date(Date.now() + 3_600_000).toISOString(),
            admissionRate: 5,
            skus: [sku],
          }),
          {},
        ),
    },
    {
      field: "user name",
      send: (_sku, _s, v) =>
        usersRoute(
          call({ email: `h-${uid(8).toLowerCase()}@shop.test`, name: v, role: "merchandiser", password: "correct horse battery" }),
          {},
        ),
    },
    { field: "token name", send: (_sku, _s, v) => tokensRoute(call({ name: v, role: "merchandiser" }), {}) },
    { field: "webhook url", send: (_sku, _s, v) => webhooksRoute(call({ url: `https://hooks.test/${v}` }), {}) },
  ];
  const cases = ROUTES.flatMap((r) =>
    HOSTILE.filter(([kind]) => !(r.multiline && kind === "line break")).map(([kind, v]) => [r.field, kind, r, v] as const),
  );

  // The control: the same requests with ordinary text succeed, so each refusal above is the text's.
  it.each(ROUTES.map((r) => [r.field, r] as const))("%s: ordinary text is accepted", async (_f, route) => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const slug = (await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } })).product.slug;
    const res = await route.send(sku!, slug, `Plain text ${uid(4)}`);
    expect(res.status, JSON.stringify(await res.clone().json())).toBeLessThan(300);
  });

  it.each(cases)("%s: %s is refused and stock does not move", async (_f, kind, route, value) => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const slug = (await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } })).product.slug;
    const before = await stockLevel(deps, sku!);
    const res = await answer(await route.send(sku!, slug, value));
    expect({ status: res.status, code: res.code }).toEqual(expected(kind));
    expect(await stockLevel(deps, sku!)).toEqual(before);
  });

  it("the domain refuses hostile text and numbers beyond a Postgres integer from callers without a schema", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const slug = (await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } })).product.slug;
    const base = { sku: sku!, product: { slug, name: "Domain" }, priceCents: 100, onHand: 5, ...who };
    await upsertSku(deps, base); // the control: accepted as it is (no stock change: same count)
    await expect(upsertSku(deps, { ...base, reason: "a\u0000b" })).rejects.toMatchObject({ code: "invalid_request", status: 400 });
    await expect(upsertSku(deps, { ...base, product: { ...base.product, name: "\u202Eevil" } })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(upsertSku(deps, { ...base, onHand: 3_000_000_000 })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(upsertSku(deps, { ...base, priceCents: 2 ** 31 })).rejects.toMatchObject({ code: "invalid_request" });
    expect((await stockLevel(deps, sku!))!.version).toBe(1);
  });
});

describe("the persister cannot be stopped by one event", () => {
  it("an event with NUL in its reason is quarantined whole; later events of that SKU and others still reach the ledger", async () => {
    const [bad, other] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 4 }]);
    await persistAllPending(deps);
    const badVersion = await injectEvent(bad!, { reason: "damaged: a\u0000b", delta: "-1", onHand: "9", available: "9" });
    await adjustStock(deps, { sku: bad!, delta: 3, reason: "received", ...who });
    await adjustStock(deps, { sku: other!, delta: 2, reason: "received", ...who });

    // Before the fix this threw `invalid byte sequence for encoding "UTF8": 0x00` on every run.
    await persistAllPending(deps);

    expect((await ledgerOf(bad!)).map((e) => [e.version, e.type])).toEqual([
      [1, "set"],
      [3, "restock"],
    ]);
    expect((await ledgerOf(other!)).map((e) => e.version)).toEqual([1, 2]);
    const [held, ...more] = await quarantinedOf(bad!);
    expect(more).toHaveLength(0);
    expect(held).toMatchObject({ kind: "refused", version: badVersion, resolvedAt: null });
    expect(held!.error).toMatch(/0x00|UTF8/);
    // Kept whole: every field, the NUL written out as text and named.
    const payload = held!.payload as { fields: Record<string, string>; sanitized: string[] };
    expect(payload.fields).toMatchObject({
      type: "adjust",
      sku: bad,
      delta: "-1",
      onHand: "9",
      version: String(badVersion),
      reason: "damaged: a\\u0000b",
    });
    expect(payload.sanitized).toEqual(["reason"]);
    // The cursor moved past it: the stream is trimmed and a second run does nothing more.
    expect(await deps.redis.hget(deps.keys.stock(bad!), "persisted")).toBe("3");
    expect(await deps.redis.xlen(deps.keys.events(bad!))).toBe(0);
    await persistAllPending(deps);
    expect(await quarantinedOf(bad!)).toHaveLength(1);

    // Visible and alerted: an open `event_held` alert for the SKU, the back office's list shows it.
    const alert = await deps.db.alert.findFirst({ where: { sku: bad!, kind: "event_held", acknowledgedAt: null } });
    expect(alert).not.toBeNull();
    expect((await quarantineBoard(deps)).open.map((h) => h.id)).toContain(held!.id);
  });

  it("an onHand beyond a Postgres integer is quarantined; the SKU keeps flowing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await injectEvent(sku!, { type: "channel", delta: "2147483647", onHand: "2147483657", available: "2147483657" });
    await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", ...who });
    await persistSkuEvents(deps, sku!);
    expect((await ledgerOf(sku!)).map((e) => e.version)).toEqual([1, 3]);
    const held = await quarantinedOf(sku!);
    expect(held).toMatchObject([{ kind: "refused", version: 2 }]);
    expect(held[0]!.error).toMatch(/out of range/);
  });

  it("a death between the quarantine rows and the alert: the persister's next pass raises the alert", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await injectEvent(sku!, { type: "channel", delta: "2147483647", onHand: "2147483657", available: "2147483657" });
    // The alert's INSERT (raiseAlert's $queryRaw) fails once, as a process dying there would.
    let failed = false;
    const dying = {
      ...deps,
      db: new Proxy(deps.db, {
        get(target, prop, receiver) {
          if (prop === "$queryRaw" && !failed) {
            return () => {
              failed = true;
              return Promise.reject(new Error("injected: died before the alert"));
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }),
    } as Deps;
    await expect(persistSkuEvents(dying, sku!)).rejects.toThrow(/injected/);
    expect(failed).toBe(true);
    expect(await quarantinedOf(sku!)).toHaveLength(1);
    const alertOf = () => deps.db.alert.findMany({ where: { sku: sku!, kind: "event_held", acknowledgedAt: null } });
    expect(await alertOf()).toHaveLength(0);
    // The retry finds its row already kept (adds none) and still raises the alert, once.
    await persistSkuEvents(deps, sku!);
    await persistSkuEvents(deps, sku!);
    expect(await quarantinedOf(sku!)).toHaveLength(1);
    expect(await alertOf()).toHaveLength(1);
  });

  it("an event without a usable version is quarantined and leaves the stream", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await injectEvent(sku!, { version: "not-a-number" });
    await persistSkuEvents(deps, sku!);
    expect(await quarantinedOf(sku!)).toMatchObject([{ kind: "refused", version: null }]);
    expect(await deps.redis.xlen(deps.keys.events(sku!))).toBe(0);
  });

  it("a version the ledger already holds with a different payload is quarantined as a collision; an identical copy is not", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await adjustStock(deps, { sku: sku!, delta: 2, reason: "received", ...who }); // v2
    const copy = await deps.redis.xrange(deps.keys.events(sku!), "-", "+");
    await persistSkuEvents(deps, sku!);
    // The same entries again (a persister that died before moving the cursor): nothing to report.
    for (const [, fields] of copy) await deps.redis.xadd(deps.keys.events(sku!), "*", ...fields);
    await persistSkuEvents(deps, sku!);
    expect(await quarantinedOf(sku!)).toHaveLength(0);

    // Redis restored from an older snapshot: its counters say version 1, so the next change reuses 2.
    await deps.redis.hset(deps.keys.stock(sku!), "version", 1, "persisted", 1, "onHand", 10);
    await adjustStock(deps, { sku: sku!, delta: -4, reason: "damaged", ...who }); // a different v2
    await adjustStock(deps, { sku: sku!, delta: 1, reason: "return", ...who }); // v3, new to the ledger
    await persistSkuEvents(deps, sku!);

    const ledger = await ledgerOf(sku!);
    expect(ledger.map((e) => [e.version, e.delta])).toEqual([
      [1, 10],
      [2, 2],
      [3, 1],
    ]);
    const held = await quarantinedOf(sku!);
    expect(held).toMatchObject([{ kind: "version_collision", version: 2 }]);
    expect(held[0]!.error).toMatch(/different .*delta/);
    expect((held[0]!.payload as { fields: Record<string, string> }).fields).toMatchObject({ delta: "-4", onHand: "6" });
    expect(await deps.db.alert.count({ where: { sku: sku!, kind: "event_held", acknowledgedAt: null } })).toBe(1);
  });

  it("a Postgres outage quarantines nothing: the copy fails, the events wait, and flow once Postgres is back", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await persistSkuEvents(deps, sku!);
    // A bad event in the batch too: an outage must not be mistaken for its refusal.
    await injectEvent(sku!, { reason: "x\u0000y" });
    await adjustStock(deps, { sku: sku!, delta: 1, reason: "received", ...who });
    const unreachable = new Prisma.PrismaClientKnownRequestError("Can't reach database server at 127.0.0.1:5432", {
      code: "P1001",
      clientVersion: "test",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind: "DatabaseNotReachable" } } },
    });
    const terminated = new Prisma.PrismaClientKnownRequestError("terminating connection due to administrator command", {
      code: "P2010",
      clientVersion: "test",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause: { originalCode: "57P01", kind: "postgres" } } },
    });
    for (const err of [unreachable, terminated, new Error("Connection terminated unexpectedly")]) {
      expect(isDataError(err)).toBe(false);
      await expect(persistSkuEvents(failingLedgerWrites(deps, err), sku!)).rejects.toBe(err);
      expect(await quarantinedOf(sku!)).toHaveLength(0);
      expect(await deps.redis.hget(deps.keys.stock(sku!), "persisted")).toBe("1");
      expect(await deps.redis.xlen(deps.keys.events(sku!))).toBe(2);
    }
    await persistSkuEvents(deps, sku!);
    expect((await ledgerOf(sku!)).map((e) => e.version)).toEqual([1, 3]);
    expect(await quarantinedOf(sku!)).toMatchObject([{ version: 2, kind: "refused" }]);
  });
});

describe("what people and monitors see", () => {
  it("reconciliation answers for the whole store with a refused event pending, and with one SKU whose copy keeps failing", async () => {
    const [bad, fine] = await seedSkus(deps, [{ onHand: 6 }, { onHand: 3 }]);
    await injectEvent(bad!, { reason: "\u0000" });
    const res = await answer(await reconcileRoute(call({}), {}));
    expect(res.status).toBe(201);
    expect(await quarantinedOf(bad!)).toHaveLength(1);

    // A SKU whose copy fails for a reason that is not its data (here: every write of it) does not stop the check of the others.
    await adjustStock(deps, { sku: bad!, delta: 1, reason: "received", ...who });
    await adjustStock(deps, { sku: fine!, delta: -1, reason: "damaged", ...who });
    const report = await reconcile(failingLedgerWrites(deps, new Error("Connection terminated unexpectedly"), bad!), {
      trigger: "api",
      onlySkus: [bad!, fine!],
    });
    expect(report.skus).toBe(2);
    expect(report.drifts.filter((d) => d.field === "onHand")).toEqual([]);
    expect((await ledgerOf(fine!)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('GET /api/health reports the backlog and quarantine: 200 "attention" while events are held, "ok" once resolved', async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 6 }]);
    await injectEvent(sku!, { reason: "\u0000" });
    await persistSkuEvents(deps, sku!);
    const held = await answer(await healthRoute(new Request("http://localhost/api/health"), undefined));
    expect(held).toMatchObject({ status: 200, body: { status: "attention", checks: { redis: "ok", postgres: "ok" } } });
    const ledger = held.body.ledger as { pending: number; quarantined: number };
    expect(ledger.quarantined).toBeGreaterThanOrEqual(1);
    expect(ledger.pending).toEqual(expect.any(Number));

    // A merchandiser resolves every held change (recorded by name, with a note): the alert closes, health is ok.
    for (const h of (await quarantineBoard(deps)).open)
      await resolveQuarantinedEvent(deps, { id: h.id, actor: "merch@shop.test", note: "counted again; adjusted" });
    expect(await openQuarantineCount(deps)).toBe(0);
    expect(await deps.db.alert.count({ where: { kind: "event_held", acknowledgedAt: null } })).toBe(0);
    expect((await answer(await healthRoute(new Request("http://localhost/api/health"), undefined))).body).toMatchObject({
      status: "ok",
      ledger: { quarantined: 0 },
    });
  });

  it("resolving keeps the first decision, and refuses a hostile note", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 6 }]);
    await injectEvent(sku!, { onHand: "99999999999" });
    await persistSkuEvents(deps, sku!);
    const [row] = await quarantinedOf(sku!);
    await expect(resolveQuarantinedEvent(deps, { id: row!.id, actor: "a@shop.test", note: "a\u0000b" })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(resolveQuarantinedEvent(deps, { id: row!.id, actor: "a@shop.test", note: "  " })).rejects.toMatchObject({
      code: "invalid_request",
    });
    const first = await resolveQuarantinedEvent(deps, { id: row!.id, actor: "a@shop.test", note: "typo in a channel feed" });
    const second = await resolveQuarantinedEvent(deps, { id: row!.id, actor: "b@shop.test", note: "me too" });
    expect(first).toMatchObject({ resolvedBy: "a@shop.test", resolutionNote: "typo in a channel feed" });
    expect(second).toMatchObject({ resolvedBy: "a@shop.test", resolutionNote: "typo in a channel feed" });
    await expect(
      resolveQuarantinedEvent(deps, { id: "00000000-0000-4000-8000-000000000000", actor: "a", note: "x" }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("a SKU upsert Redis refuses leaves Postgres unchanged (issue item 8)", () => {
  it("refused because units are held: price, name and safety in the catalog stay as they were", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10, priceCents: 1000 }]);
    const row = await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } });
    await placeReservation(deps, { sessionId: `s_${uid(8)}`, items: [{ sku: sku!, quantity: 6 }], ...who });
    await expect(
      upsertSku(deps, { sku: sku!, product: { slug: row.product.slug, name: "Renamed" }, priceCents: 1, onHand: 3, safety: 2, ...who }),
    ).rejects.toMatchObject({ code: "stock_below_reserved" });
    const after = await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } });
    expect({ price: after.priceCents, safety: after.safety, name: after.product.name }).toEqual({
      price: 1000,
      safety: 0,
      name: row.product.name,
    });
  });

  it("Redis failing between the two writes (the process dying there) leaves Postgres unchanged too", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10, priceCents: 1000 }]);
    const row = await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } });
    const boom = new Error("Connection is closed.");
    const redis = new Proxy(deps.redis, {
      get(target, prop) {
        if (prop === "swSetStock") return () => Promise.reject(boom);
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await expect(
      upsertSku({ ...deps, redis }, { sku: sku!, product: { slug: row.product.slug, name: "Renamed" }, priceCents: 1, onHand: 12, ...who }),
    ).rejects.toBe(boom);
    const after = await deps.db.sku.findUniqueOrThrow({ where: { code: sku! }, include: { product: true } });
    expect({ price: after.priceCents, name: after.product.name }).toEqual({ price: 1000, name: row.product.name });
  });
});

/** Deps whose ledger inserts (of one SKU, or all) fail with `err`, as in an outage; everything else is real. */
function failingLedgerWrites<D extends Deps>(base: D, err: unknown, onlySku?: string): D {
  const events = new Proxy(base.db.inventoryEvent, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop !== "createMany" || typeof v !== "function")
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return (args: { data: { sku: string }[] }) => {
        if (!onlySku || args.data.some((d) => d.sku === onlySku)) return Promise.reject(err);
        return (v as (a: unknown) => unknown).call(target, args);
      };
    },
  });
  const db = new Proxy(base.db, {
    get(target, prop) {
      if (prop === "inventoryEvent") return events;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ...base, db };
}
