// Invariants 1, 2, 5 and 8 of DESIGN.md on a real 3-master Redis Cluster: the same domain code,
// with SKUs, reservations, sessions and sales spread over different masters.
import type { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { stockLevel } from "../../lib/stock";
import { checkout, finishStalledCheckout } from "../../lib/orders";
import { expireDueReservations, getReservation, placeReservation, releaseReservation } from "../../lib/reservations";
import { admitTick, createSale, joinQueue, ticketFor, ticketStatus } from "../../lib/sales";
import type { Deps } from "../../lib/core/deps";
import { isCluster } from "../../lib/core/redis";
import { seedSkus, uid } from "../helpers";
import { clusterRedis, clusterTestDeps } from "./helpers";

const deps = clusterTestDeps();
afterAll(() => deps.close());
const who = { source: "test" };

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );
}

/** The master that serves a key, as host:port. */
function masterOf(key: string): string {
  const cluster = deps.redis as unknown as Cluster;
  const slot = clusterKeySlot(key);
  const slots = (cluster as unknown as { slots: string[][] }).slots;
  return slots[slot]?.[0] ?? "?";
}

// CRC16/XMODEM over the hash tag, as Redis Cluster computes slots.
function clusterKeySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe("Redis Cluster", () => {
  it("runs against a cluster client whose SKUs land on several masters", async () => {
    expect(isCluster(deps.redis)).toBe(true);
    const skus = await seedSkus(
      deps,
      Array.from({ length: 12 }, () => ({ onHand: 1 })),
    );
    expect(new Set(skus.map((s) => masterOf(deps.keys.stock(s)))).size).toBeGreaterThanOrEqual(2);
  });
});

describe("never oversell on a cluster (invariant 1)", () => {
  it("600 concurrent carts over 16 SKUs from four app clients sell exactly the stock", async () => {
    const stocks = Array.from({ length: 16 }, (_, i) => ({ onHand: 5 + (i % 7) * 3, safety: i % 4 === 0 ? 2 : 0 }));
    const skus = await seedSkus(deps, stocks);
    expect(new Set(skus.map((s) => masterOf(deps.keys.stock(s)))).size).toBe(3);
    const instances: Deps[] = Array.from({ length: 4 }, (_, i) => ({ ...deps, redis: clusterRedis(`instance-${i}`) }));
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
    const n = skus.length;
    const results = await Promise.all(
      Array.from({ length: 600 }, (_, i) => {
        const d = instances[i % instances.length]!;
        const lines =
          i % 3 === 0
            ? [
                { sku: skus[i % n]!, quantity: 1 + (i % 3) },
                { sku: skus[(i + 5) % n]!, quantity: 1 },
                { sku: skus[(i + 11) % n]!, quantity: 1 },
              ]
            : [{ sku: skus[i % n]!, quantity: 1 + (i % 2) }];
        return placeReservation(d, { sessionId: `s${i % 50}`, items: lines, ...who }).then(
          (r) => ({ ok: true as const, r, sessionId: `s${i % 50}` }),
          (err: { code: string }) => ({ ok: false as const, code: err.code }),
        );
      }),
    );
    sampling = false;
    await sampler;
    for (const d of instances) d.redis.disconnect();

    expect(violations).toBe(0);
    expect(results.every((r) => r.ok || r.code === "insufficient_stock")).toBe(true);
    const heldPerSku = new Map<string, number>();
    for (const res of results)
      if (res.ok) for (const line of res.r.items) heldPerSku.set(line.sku, (heldPerSku.get(line.sku) ?? 0) + line.quantity);
    for (const [i, sku] of skus.entries()) {
      const l = (await stockLevel(deps, sku))!;
      expect(l.reserved).toBe(heldPerSku.get(sku) ?? 0);
      expect(l.reserved).toBeLessThanOrEqual(stocks[i]!.onHand - stocks[i]!.safety);
      expect(await deps.redis.hlen(deps.keys.holds(sku))).toBeGreaterThanOrEqual(0);
    }
    // Checking out every hold sells exactly what was held, per SKU.
    const bySession = new Map<string, string[]>();
    for (const r of results) if (r.ok) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r.r.id]);
    for (const [sessionId, ids] of bySession) {
      await checkout(deps, { sessionId, reservationIds: ids, email: "a@b.c", name: "A", source: "test" });
    }
    for (const [i, sku] of skus.entries()) {
      const l = (await stockLevel(deps, sku))!;
      expect(l.reserved).toBe(0);
      expect(stocks[i]!.onHand - l.onHand).toBe(heldPerSku.get(sku) ?? 0);
    }
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

describe("all-or-nothing carts on a cluster (invariant 2)", () => {
  it("a cart whose lines live on different masters holds nothing when one line is short", async () => {
    const skus = await seedSkus(
      deps,
      Array.from({ length: 9 }, (_, i) => ({ onHand: i === 8 ? 1 : 10 })),
    );
    expect(new Set(skus.map((s) => masterOf(deps.keys.stock(s)))).size).toBeGreaterThanOrEqual(2);
    const err = await placeReservation(deps, {
      sessionId: "cart",
      items: skus.map((sku, i) => ({ sku, quantity: i === 8 ? 2 : 1 })),
      ...who,
    }).catch((e: unknown) => e as { code: string; details: { sku: string } });
    expect(err).toMatchObject({ code: "insufficient_stock", details: { sku: skus[8] } });
    for (const sku of skus) {
      expect((await stockLevel(deps, sku))!.reserved).toBe(0);
      expect(await deps.redis.hlen(deps.keys.holds(sku))).toBe(0);
    }
  });

  it("a full cart across masters holds every line, and releasing gives every line back", async () => {
    const skus = await seedSkus(
      deps,
      Array.from({ length: 9 }, () => ({ onHand: 3 })),
    );
    const r = await placeReservation(deps, { sessionId: "full", items: skus.map((sku) => ({ sku, quantity: 2 })), ...who });
    for (const sku of skus) expect((await stockLevel(deps, sku))!.reserved).toBe(2);
    await releaseReservation(deps, "full", r.id, who);
    for (const sku of skus) expect((await stockLevel(deps, sku))!.reserved).toBe(0);
  });
});

describe("holds end on a cluster (invariant 5)", () => {
  const short = clusterTestDeps({ holdTtlSeconds: 5 });
  afterAll(() => short.close());
  const finish = (id: string) => finishStalledCheckout(short, id);

  it("expires a multi-master hold after its deadline, not before", async () => {
    const skus = await seedSkus(
      short,
      Array.from({ length: 6 }, () => ({ onHand: 4 })),
    );
    const r = await placeReservation(short, { sessionId: "gone", items: skus.map((sku) => ({ sku, quantity: 3 })), ...who });
    expect((await expireDueReservations(short, finish)).expired).toBe(0);
    await short.redis.hset(short.keys.reservation(r.id), "expiresAt", r.expiresAt - 10_000);
    await short.redis.zadd(short.keys.holdDeadlines, r.expiresAt - 10_000, r.id);
    expect((await expireDueReservations(short, finish)).expired).toBe(1);
    for (const sku of skus) expect(await stockLevel(short, sku)).toMatchObject({ reserved: 0, available: 4 });
    expect((await getReservation(short, "gone", r.id)).status).toBe("expired");
    expect((await expireDueReservations(short, finish)).expired).toBe(0);
  });
});

describe("fair queue on a cluster (invariant 8)", () => {
  it("400 concurrent shoppers are admitted in join order, and admitted buyers never oversell", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 50 }]);
    const saleId = `sale-${uid(8).toLowerCase()}`;
    await createSale(deps, {
      id: saleId,
      name: `Test sale ${saleId}`,
      startsAt: new Date(Date.now() - 1000),
      admissionRate: 10_000,
      skus: [sku!],
      overAdmitPercent: 0,
    });
    await admitTick(deps, saleId); // scheduled -> live
    const sessions = Array.from({ length: 400 }, (_, i) => `s_${String(i).padStart(6, "0")}_${uid(10)}`);
    const waves: { ticket: string; seq: number }[][] = [];
    for (let w = 0; w < 4; w++)
      waves.push(await Promise.all(sessions.slice(w * 100, (w + 1) * 100).map((s) => joinQueue(deps, saleId, s))));
    const all = waves.flat();
    expect(new Set(all.map((j) => j.ticket)).size).toBe(400);
    for (let w = 1; w < waves.length; w++) {
      expect(Math.min(...waves[w]!.map((j) => j.seq))).toBeGreaterThan(Math.max(...waves[w - 1]!.map((j) => j.seq)));
    }
    const admitted: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await admitTick(deps, saleId);
      if (!r) break;
      admitted.push(...r.admittedTickets);
      if (!r.changed && r.frame.status === "live") break;
    }
    expect(admitted).toEqual(
      [...all]
        .sort((a, b) => a.seq - b.seq)
        .map((j) => j.ticket)
        .slice(0, 50),
    );

    const sessionOf = new Map(sessions.map((s) => [ticketFor(saleId, s), s]));
    const results = await Promise.all(
      admitted.map(async (ticket) => {
        const s = sessionOf.get(ticket)!;
        const token = (await ticketStatus(deps, saleId, s, ticket)).token;
        expect(token).toBeTruthy();
        return codeOf(placeReservation(deps, { sessionId: s, items: [{ sku: sku!, quantity: 1 }], queueToken: token, source: "test" }));
      }),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(50);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
    const outsider = sessions[399]!;
    expect(await codeOf(placeReservation(deps, { sessionId: outsider, items: [{ sku: sku!, quantity: 1 }], source: "test" }))).toBe(
      "queue_token_required",
    );
  }, 60_000);
});
