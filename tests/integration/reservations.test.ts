// Invariants 1, 2, 5 and 6 of DESIGN.md against real Redis and Postgres.
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { createRedis } from "../../lib/core/redis";
import { adjustStock, stockLevel } from "../../lib/stock";
import { checkout, finishStalledCheckout } from "../../lib/orders";
import {
  expireDueReservations,
  extendReservation,
  getReservation,
  placeReservation,
  releaseReservation,
  sessionReservations,
} from "../../lib/reservations";
import type { Deps } from "../../lib/core/deps";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );
}

describe("never oversell (invariant 1)", () => {
  it("600 concurrent single- and multi-line carts from four app connections sell exactly the stock", async () => {
    const stocks = [{ onHand: 20 }, { onHand: 15, safety: 3 }, { onHand: 8 }, { onHand: 30, safety: 5 }, { onHand: 1 }];
    const skus = await seedSkus(deps, stocks);
    // Four independent connections stand in for four app instances.
    const instances: Deps[] = Array.from({ length: 4 }, () => ({ ...deps, redis: createRedis(inject("redisUrl"), "instance") }));
    let violations = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const sku of skus) {
          const l = await stockLevel(deps, sku);
          if (!l || l.reserved > l.onHand - l.safety || l.reserved < 0) violations++;
        }
      }
    })();

    const attempts = Array.from({ length: 600 }, (_, i) => {
      const d = instances[i % instances.length]!;
      const lines =
        i % 3 === 0
          ? [
              { sku: skus[i % 5]!, quantity: 1 + (i % 3) },
              { sku: skus[(i + 2) % 5]!, quantity: 1 },
            ]
          : [{ sku: skus[i % 5]!, quantity: 1 + (i % 2) }];
      return placeReservation(d, { sessionId: `s${i % 50}`, items: lines, ...who }).then(
        (r) => ({ ok: true as const, r }),
        (err: { code: string }) => ({ ok: false as const, code: err.code }),
      );
    });
    const results = await Promise.all(attempts);
    sampling = false;
    await sampler;
    for (const d of instances) d.redis.disconnect();

    expect(violations).toBe(0);
    const refused = results.filter((r) => !r.ok);
    expect(refused.every((r) => !r.ok && r.code === "insufficient_stock")).toBe(true);
    // Demand far exceeds supply: every sellable unit is held, none beyond.
    const heldPerSku = new Map<string, number>();
    for (const res of results)
      if (res.ok) for (const it of res.r.items) heldPerSku.set(it.sku, (heldPerSku.get(it.sku) ?? 0) + it.quantity);
    for (const [i, sku] of skus.entries()) {
      const l = (await stockLevel(deps, sku))!;
      const sellable = stocks[i]!.onHand - (stocks[i]!.safety ?? 0);
      expect(l.reserved).toBe(heldPerSku.get(sku) ?? 0);
      expect(l.reserved).toBeLessThanOrEqual(sellable);
      // Carts rolled back during the burst may have left units free: a last shopper takes them
      // one by one, and the count then comes out exactly at the sellable stock.
      for (;;) {
        const extra = await placeReservation(deps, { sessionId: "s0", items: [{ sku, quantity: 1 }], ...who }).catch(() => null);
        if (!extra) break;
        results.push({ ok: true, r: extra });
      }
      expect((await stockLevel(deps, sku))!.reserved).toBe(sellable);
    }

    // Checking out every hold sells exactly what was held.
    const held = results.flatMap((r) => (r.ok ? [r] : []));
    const sessions = new Map<string, string[]>();
    results.forEach((r, i) => {
      const sessionId = i < 600 ? `s${i % 50}` : "s0";
      if (r.ok) sessions.set(sessionId, [...(sessions.get(sessionId) ?? []), r.r.id]);
    });
    for (const [sessionId, ids] of sessions) {
      await checkout(deps, { sessionId, reservationIds: ids, email: "a@b.c", name: "A", source: "test" });
    }
    let sold = 0;
    for (const [i, sku] of skus.entries()) {
      const l = (await stockLevel(deps, sku))!;
      expect(l.reserved).toBe(0);
      sold += stocks[i]!.onHand - l.onHand;
      expect(l.onHand).toBe(stocks[i]!.safety ?? 0); // exactly the sellable stock was sold
    }
    expect(sold).toBe(held.reduce((n, r) => n + (r.ok ? r.r.items.reduce((m, it) => m + it.quantity, 0) : 0), 0));
  }, 60_000);

  it("the last unit goes to exactly one of many concurrent buyers", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        codeOf(placeReservation(deps, { sessionId: `last${i}`, items: [{ sku: sku!, quantity: 1 }], ...who })),
      ),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "insufficient_stock")).toHaveLength(99);
  });
});

describe("group commit: the reservations of one tick in one script call", () => {
  it("40 concurrent placements are 2 calls (32 + 8), served in call order, each all-or-nothing", async () => {
    const [sku, short] = await seedSkus(deps, [{ onHand: 25 }, { onHand: 1 }]);
    // One placement first, so the script is in Redis's cache (EVALSHA, no EVAL fallback) and the SKU has 25.
    await placeReservation(deps, { sessionId: "gc-warm", items: [{ sku: short!, quantity: 1 }], ...who });
    await adjustStock(deps, { sku: short!, delta: 1, type: "restock", reason: "warm-up", source: "test" });
    // Redis's MONITOR sees every script call: count those that carry this test's SKU.
    const monitor = await deps.redis.monitor();
    const calls: number[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() !== "evalsha" || !args.includes(deps.keys.stock(sku!))) return;
      calls.push(Number(args[3 + Number(args[2]) + 3])); // ARGV[4]: the reservations in this call
    });
    const d = deps;
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          codeOf(
            placeReservation(d, {
              sessionId: `gc${i}`,
              // Call 5 also asks for 2 units of a SKU that has 1: refused whole, its neighbours unaffected.
              items:
                i === 5
                  ? [
                      { sku: sku!, quantity: 1 },
                      { sku: short!, quantity: 2 },
                    ]
                  : [{ sku: sku!, quantity: 1 }],
              ...who,
            }),
          ),
        ),
      );
      await vi.waitFor(() => expect(calls).toEqual([32, 8]));
      // In call order: the first 25 that asked only for `sku` got its 25 units, every later one was refused.
      const expected = Array.from({ length: 40 }, (_, i) => (i === 5 ? "insufficient_stock" : i <= 25 ? "ok" : "insufficient_stock"));
      expect(results).toEqual(expected);
      expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 25, available: 0, version: 26 });
      expect(await stockLevel(deps, short!)).toMatchObject({ onHand: 2, reserved: 1, version: 3 });
      // One hold event per placed reservation, with consecutive versions.
      const events = await deps.redis.xrange(deps.keys.events(sku!), "-", "+");
      const holds = events.filter(([, f]) => f[f.indexOf("type") + 1] === "hold").map(([, f]) => Number(f[f.indexOf("version") + 1]));
      expect(holds).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
    } finally {
      monitor.disconnect();
    }
  });
});

describe("all-or-nothing carts (invariant 2)", () => {
  it("a cart with one short line holds nothing at all", async () => {
    const [a, b, c] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 10 }, { onHand: 1 }]);
    const err = await placeReservation(deps, {
      sessionId: "cart",
      items: [
        { sku: a!, quantity: 2 },
        { sku: b!, quantity: 3 },
        { sku: c!, quantity: 2 },
      ],
      ...who,
    }).catch((e: unknown) => e as { code: string; details: { sku: string; available: number } });
    expect(err).toMatchObject({ code: "insufficient_stock", details: { sku: c, available: 1 } });
    for (const sku of [a!, b!, c!]) expect((await stockLevel(deps, sku))!.reserved).toBe(0);
    expect(await deps.redis.hlen(deps.keys.holds(a!))).toBe(0);
  });

  it("on one Redis node a refused cart is one atomic step: no hold-then-release in any SKU's history (versions unchanged)", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 1 }]);
    const before = await Promise.all([a!, b!].map((sku) => deps.redis.hget(deps.keys.stock(sku), "version").then(Number)));
    await expect(
      placeReservation(deps, {
        sessionId: "atomic",
        items: [
          { sku: a!, quantity: 1 },
          { sku: b!, quantity: 2 },
        ],
        ...who,
      }),
    ).rejects.toMatchObject({ code: "insufficient_stock" });
    expect(await Promise.all([a!, b!].map((sku) => deps.redis.hget(deps.keys.stock(sku), "version").then(Number)))).toEqual(before);
    // The same cart that fits is placed whole, one hold event per line.
    const placed = await placeReservation(deps, {
      sessionId: "atomic",
      items: [
        { sku: a!, quantity: 1 },
        { sku: b!, quantity: 1 },
      ],
      ...who,
    });
    expect(placed.items.map((i) => i.quantity)).toEqual([1, 1]);
    expect(await Promise.all([a!, b!].map((sku) => deps.redis.hget(deps.keys.stock(sku), "version").then(Number)))).toEqual(
      before.map((n) => n + 1),
    );
  });

  it("an unknown SKU in a cart holds nothing", async () => {
    const [a] = await seedSkus(deps, [{ onHand: 10 }]);
    await expect(
      placeReservation(deps, {
        sessionId: "cart2",
        items: [
          { sku: a!, quantity: 1 },
          { sku: `NOPE-${uid()}`, quantity: 1 },
        ],
        ...who,
      }),
    ).rejects.toMatchObject({ code: "unknown_sku" });
    expect((await stockLevel(deps, a!))!.reserved).toBe(0);
  });

  it("partial add-to-cart holds what is left and says so", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 2 }]);
    const r = await placeReservation(deps, { sessionId: "p", items: [{ sku: sku!, quantity: 5 }], partial: true, ...who });
    expect(r.items).toEqual([{ sku, quantity: 2, requested: 5 }]);
    await expect(
      placeReservation(deps, { sessionId: "p", items: [{ sku: sku!, quantity: 1 }], partial: true, ...who }),
    ).rejects.toMatchObject({
      code: "insufficient_stock",
    });
  });

  it("rejects malformed items without touching stock", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    for (const quantity of [0, -1, 1.5, 101, Number.NaN]) {
      await expect(placeReservation(deps, { sessionId: "bad", items: [{ sku: sku!, quantity }], ...who })).rejects.toMatchObject({
        code: "invalid_request",
      });
    }
    await expect(placeReservation(deps, { sessionId: "bad", items: [{ sku: "lower{case}", quantity: 1 }], ...who })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(placeReservation(deps, { sessionId: "bad", items: [], ...who })).rejects.toMatchObject({ code: "invalid_request" });
    expect(await stockLevel(deps, sku!)).toMatchObject({ reserved: 0, version: 1 });
  });
});

describe("idempotent mutations (invariant 6)", () => {
  it("the same Idempotency-Key returns the first result and holds once", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const req = { sessionId: "idem", items: [{ sku: sku!, quantity: 3 }], idempotencyKey: "k-1", ...who };
    const first = await placeReservation(deps, req);
    const again = await placeReservation(deps, req);
    expect(again).toMatchObject({ id: first.id, expiresAt: first.expiresAt, replayed: true });
    expect((await stockLevel(deps, sku!))!.reserved).toBe(3);
    await expect(placeReservation(deps, { ...req, items: [{ sku: sku!, quantity: 4 }] })).rejects.toMatchObject({
      code: "idempotency_key_reused",
    });
    // Keys are scoped to the session: another shopper's identical key is another reservation.
    const other = await placeReservation(deps, { ...req, sessionId: "idem-2" });
    expect(other.id).not.toBe(first.id);
    expect((await stockLevel(deps, sku!))!.reserved).toBe(6);
  });

  it("twenty concurrent retries of one request make one hold", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 50 }]);
    const req = { sessionId: "burst", items: [{ sku: sku!, quantity: 2 }], idempotencyKey: "same", ...who };
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => placeReservation(deps, req)));
    const ids = new Set(results.flatMap((r) => (r.status === "fulfilled" ? [r.value.id] : [])));
    expect(ids.size).toBe(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as { code: string }).code).toBe("request_in_progress");
    expect((await stockLevel(deps, sku!))!.reserved).toBe(2);
  });

  it("a refused request is refused again on retry, even after stock returns", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    const req = { sessionId: "refused", items: [{ sku: sku!, quantity: 2 }], idempotencyKey: "r", ...who };
    const first = (await placeReservation(deps, req).then(
      () => null,
      (e: unknown) => e,
    )) as { code: string; message: string };
    expect(first).toMatchObject({ code: "insufficient_stock", message: `Only 1 of ${sku} left: nothing was reserved.` });
    await adjustStock(deps, { sku: sku!, delta: 9, type: "restock", reason: "received", source: "test" });
    // Ten units now, but the answer to this request was given: the retry hears the same.
    await expect(placeReservation(deps, req)).rejects.toMatchObject({ code: "insufficient_stock", message: first.message });
    expect((await stockLevel(deps, sku!))!.reserved).toBe(0);
  });

  it("a retry after a crash mid-reservation converges on one hold", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 5 }, { onHand: 5 }]);
    const req = {
      sessionId: "crash",
      items: [
        { sku: a!, quantity: 1 },
        { sku: b!, quantity: 1 },
      ],
      idempotencyKey: "c",
      ...who,
    };
    const first = await placeReservation(deps, req);
    // Simulate a process that died after holding the lines but before marking the reservation held.
    await deps.redis.hset(deps.keys.reservation(first.id), "status", "pending");
    const retry = await placeReservation(deps, req);
    expect(retry.id).toBe(first.id);
    expect((await stockLevel(deps, a!))!.reserved).toBe(1);
    expect((await stockLevel(deps, b!))!.reserved).toBe(1);
  });
});

describe("release, ownership and checkout", () => {
  it("only the owning session can see, release or check out a reservation", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const r = await placeReservation(deps, { sessionId: "owner", items: [{ sku: sku!, quantity: 1 }], ...who });
    await expect(getReservation(deps, "thief", r.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(releaseReservation(deps, "thief", r.id, who)).rejects.toMatchObject({ code: "not_found" });
    await expect(checkout(deps, { sessionId: "thief", reservationIds: [r.id], email: "", name: "", source: "test" })).rejects.toMatchObject(
      { code: "not_found" },
    );
    expect((await stockLevel(deps, sku!))!.reserved).toBe(1);
    await releaseReservation(deps, "owner", r.id, who);
    await releaseReservation(deps, "owner", r.id, who); // twice is harmless
    expect((await stockLevel(deps, sku!))!).toMatchObject({ reserved: 0, available: 5 });
  });

  it("checkout writes the order, sells the units, and is idempotent", async () => {
    const [a, b] = await seedSkus(deps, [
      { onHand: 5, priceCents: 1250 },
      { onHand: 5, priceCents: 999 },
    ]);
    const r1 = await placeReservation(deps, { sessionId: "buyer", items: [{ sku: a!, quantity: 2 }], ...who });
    const r2 = await placeReservation(deps, { sessionId: "buyer", items: [{ sku: b!, quantity: 1 }], ...who });
    const req = { sessionId: "buyer", reservationIds: [r1.id, r2.id], email: "ada@example.com", name: "Ada", source: "test" };
    const order = await checkout(deps, req);
    expect(await checkout(deps, req)).toEqual(order);
    const row = await deps.db.order.findUniqueOrThrow({ where: { id: order.orderId }, include: { lines: true } });
    expect(row).toMatchObject({ status: "confirmed", totalCents: 2 * 1250 + 999, email: "ada@example.com" });
    expect(row.lines).toHaveLength(2);
    expect(await stockLevel(deps, a!)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await stockLevel(deps, b!)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    const mine = await sessionReservations(deps, "buyer");
    expect(mine.every((m) => m.status === "committed" && m.orderId === order.orderId)).toBe(true);
  });

  it("Postgres down at checkout: 503, the holds stay held, and a retry succeeds", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 3 }]);
    const r = await placeReservation(deps, { sessionId: "pgdown", items: [{ sku: sku!, quantity: 1 }], ...who });
    const { createDb } = await import("../../lib/core/db");
    const deadDb = createDb("postgresql://postgres@127.0.0.1:1/none", 1);
    const req = { sessionId: "pgdown", reservationIds: [r.id], email: "x@y.z", name: "X", source: "test" };
    await expect(checkout({ ...deps, db: deadDb }, req)).rejects.toMatchObject({ code: "service_unavailable" });
    await deadDb.$disconnect();
    expect((await getReservation(deps, "pgdown", r.id)).status).toBe("held");
    expect((await stockLevel(deps, sku!))!.reserved).toBe(1);
    const order = await checkout(deps, req);
    expect(order.number).toMatch(/^SW-/);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 2, reserved: 0 });
  });
});

describe("holds end (invariant 5)", () => {
  const short = testDeps({ holdTtlSeconds: 5 });
  afterAll(() => short.close());
  const finish = (id: string) => finishStalledCheckout(short, id);

  it("expires a hold after its deadline, not before, with no help from its creator", async () => {
    const [sku] = await seedSkus(short, [{ onHand: 4 }]);
    const r = await placeReservation(short, { sessionId: "gone", items: [{ sku: sku!, quantity: 3 }], ...who });
    expect((await expireDueReservations(short, finish)).expired).toBe(0);
    expect((await stockLevel(short, sku!))!.reserved).toBe(3);
    // Move the deadline into the past as if time had passed (Redis's clock decides).
    await short.redis.hset(short.keys.reservation(r.id), "expiresAt", r.expiresAt - 10_000);
    await short.redis.zadd(short.keys.holdDeadlines, r.expiresAt - 10_000, r.id);
    expect((await expireDueReservations(short, finish)).expired).toBe(1);
    expect(await stockLevel(short, sku!)).toMatchObject({ reserved: 0, available: 4 });
    expect((await getReservation(short, "gone", r.id)).status).toBe("expired");
    await expect(checkout(short, { sessionId: "gone", reservationIds: [r.id], email: "", name: "", source: "test" })).rejects.toMatchObject(
      {
        code: "reservation_expired",
      },
    );
    // A second sweep (another worker) changes nothing.
    expect((await expireDueReservations(short, finish)).expired).toBe(0);
    expect((await stockLevel(short, sku!))!.version).toBe(3); // set, hold, expire
  });

  it("an extended hold is not expired at its old deadline, and extends only once", async () => {
    const [sku] = await seedSkus(short, [{ onHand: 4 }]);
    const r = await placeReservation(short, { sessionId: "ext", items: [{ sku: sku!, quantity: 1 }], ...who });
    const extended = await extendReservation(short, "ext", r.id);
    expect(extended.expiresAt).toBe(r.expiresAt + 5000);
    await expect(extendReservation(short, "ext", r.id)).rejects.toMatchObject({ code: "already_extended" });
    // A worker that read the old deadline must not expire it.
    await short.redis.zadd(short.keys.holdDeadlines, r.expiresAt - 10_000, r.id);
    await expireDueReservations(short, finish);
    expect((await getReservation(short, "ext", r.id)).status).toBe("held");
  });

  it("a checkout whose process died is undone when no order was written", async () => {
    const [sku] = await seedSkus(short, [{ onHand: 2 }]);
    const r = await placeReservation(short, { sessionId: "stall", items: [{ sku: sku!, quantity: 2 }], ...who });
    const longAgo = Date.now() - 120_000;
    await short.redis.swTransitionReservation(short.keys.reservation(r.id), "held", "committing", "", "committingSince", String(longAgo));
    await short.redis.zadd(short.keys.holdDeadlines, longAgo, r.id);
    expect((await expireDueReservations(short, finish)).recovered).toBe(1);
    expect(await stockLevel(short, sku!)).toMatchObject({ reserved: 0, onHand: 2 });
  });
});
