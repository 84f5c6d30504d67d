// Two sidecars on one Redis prefix, in-process: workers, admitter and gateway each, on their
// own connections and ports. The ledger copy is split between them with no event copied twice,
// a change made through lib reaches a socket on either, and one dying leaves the other doing it all.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Deps } from "../../lib/core/deps";
import { createDb } from "../../lib/core/db";
import { adjustStock, stockLevel } from "../../lib/stock";
import { stockFrame, type ClientToServerEvents, type ServerToClientEvents } from "../../lib/shared/protocol";
import { createRedis, createSubscriber, redisNow } from "../../lib/core/redis";
import { placeReservation } from "../../lib/reservations";
import type { Availability } from "../../lib/shared/types";
import { startAdmitter, type Admitter } from "../../server/workers";
import { broadcastQueueFrame, closeApplication, createApplication, notifyAdmitted, type StockServer } from "../../server/gateway";
import { startWorkers, type Workers } from "../../server/workers";
import { seedSkus, testDeps, uid } from "../helpers";

type ShopperSocket = ClientSocket<ServerToClientEvents, ClientToServerEvents>;
const ORIGIN = "http://shop.test";

interface Sidecar {
  name: string;
  deps: Deps;
  workers: Workers;
  admitter: Admitter;
  io: StockServer;
  subscriber: Redis;
  url: string;
  /** Every (sku, version) this sidecar sent to Postgres, duplicates included. */
  copied: string[];
  stopped: boolean;
}

const app = testDeps(); // stands in for a storefront instance: changes go through lib
const sidecars: Sidecar[] = [];
const clients: ShopperSocket[] = [];

async function startSidecar(name: string): Promise<Sidecar> {
  const redis = createRedis(inject("redisUrl"), `scale-${name}`);
  const realDb = createDb(inject("databaseUrl"), 5);
  const copied: string[] = [];
  // Counts the rows each sidecar sends to the ledger insert: the work, not only what landed.
  const db = new Proxy(realDb, {
    get(target, prop, receiver) {
      if (prop !== "inventoryEvent") return Reflect.get(target, prop, receiver);
      const model = target.inventoryEvent;
      return new Proxy(model, {
        get(m, p, r) {
          if (p !== "createMany") return Reflect.get(m, p, r);
          return (args: Parameters<typeof model.createMany>[0]) => {
            const data = args?.data ?? [];
            const rows = Array.isArray(data) ? data : [data];
            for (const row of rows) copied.push(`${row.sku}:${row.version}`);
            return model.createMany(args);
          };
        },
      });
    },
  });
  const deps: Deps = { ...app, redis, db };
  const subscriber = createSubscriber(redis);
  subscriber.on("error", () => {});
  const httpServer = createServer();
  const io = createApplication(httpServer, {
    redis,
    subscriber,
    keys: deps.keys,
    deps,
    allowedOrigins: [ORIGIN],
    coalesceMs: 0,
  });
  const workers = startWorkers(deps, { log: () => {}, expiryIntervalMs: 100, sweepIntervalMs: 500, persistLeaseMs: 2_000 });
  const admitter = startAdmitter(deps, {
    tickMs: 100,
    onFrame: (frame) => broadcastQueueFrame(io, frame),
    onAdmitted: (saleId, tickets, deadline) => notifyAdmitted(io, saleId, tickets, deadline),
    onError: () => {},
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const sidecar: Sidecar = { name, deps, workers, admitter, io, subscriber, url, copied, stopped: false };
  sidecars.push(sidecar);
  return sidecar;
}

/** What a crash leaves: the loops stop, the leases they held stay in Redis until they lapse. */
async function crash(s: Sidecar): Promise<void> {
  s.stopped = true;
  await s.workers.stop({ releaseLeases: false });
  await s.admitter.stop();
  await closeApplication(s.io);
  s.subscriber.disconnect();
  s.deps.redis.disconnect();
  await s.deps.db.$disconnect();
}

let a: Sidecar;
let b: Sidecar;

beforeAll(async () => {
  a = await startSidecar("a");
  b = await startSidecar("b");
  // Both workers' and both gateways' subscriptions live before the first change.
  await waitFor(async () => Number((await app.redis.pubsub("NUMSUB", app.keys.eventsChannel))[1]) >= 4);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const s of sidecars) if (!s.stopped) await crash(s);
  await app.close();
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function ledgerVersions(sku: string): Promise<number[]> {
  const rows = await app.db.inventoryEvent.findMany({ where: { sku }, select: { version: true }, orderBy: { version: "asc" } });
  return rows.map((r) => r.version);
}

async function waitForLedger(skus: string[]): Promise<void> {
  for (const sku of skus) {
    const version = (await stockLevel(app, sku))!.version;
    await waitFor(async () => (await ledgerVersions(sku)).length >= version);
    expect(await ledgerVersions(sku)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
  }
}

const copiesOf = (skus: string[], list: string[]) => list.filter((k) => skus.some((s) => k.startsWith(`${s}:`)));

describe("two sidecars", () => {
  it("split the ledger copy of a burst, each event copied by exactly one of them", async () => {
    const sweepsBefore = a.workers.counters.expirySweeps + b.workers.counters.expirySweeps;
    const started = Date.now();
    const skus = await seedSkus(app, [{ onHand: 500 }, { onHand: 500 }, { onHand: 500 }, { onHand: 500 }]);
    // Waves over about a second, so both sidecars' persist ticks find work.
    for (let wave = 0; wave < 12; wave++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          placeReservation(app, { sessionId: `s-${uid()}`, items: [{ sku: skus[(wave + i) % 4]!, quantity: 1 }], source: "test" }),
        ),
      );
      await new Promise((r) => setTimeout(r, 80));
    }
    await waitForLedger(skus);

    const total = (await Promise.all(skus.map(async (s) => (await stockLevel(app, s))!.version))).reduce((x, y) => x + y, 0);
    const byA = copiesOf(skus, a.copied);
    const byB = copiesOf(skus, b.copied);
    // Every event sent to Postgres once in all: none by both, none twice by one.
    expect(new Set([...byA, ...byB]).size).toBe(total);
    expect(byA.length + byB.length).toBe(total);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    console.log(
      `[scale-out] ${total} events: sidecar A copied ${byA.length}, B ${byB.length}; ` +
        `skipped (other sidecar copying): A ${a.workers.counters.persistSkipped}, B ${b.workers.counters.persistSkipped}; ` +
        `expiry sweeps: A ${a.workers.counters.expirySweeps}, B ${b.workers.counters.expirySweeps}`,
    );
    // One sidecar at a time runs the expiry sweep (the lease may pass from one to the other when a
    // loaded machine stalls one for over a second): together they sweep about as often as one
    // 100 ms loop would, never about twice as often as two sweeping side by side would.
    const sweeps = a.workers.counters.expirySweeps + b.workers.counters.expirySweeps - sweepsBefore;
    const oneLoop = (Date.now() - started) / 100;
    expect(sweeps).toBeGreaterThan(0);
    expect(sweeps).toBeLessThanOrEqual(oneLoop * 1.3 + 3);
  });

  it("a socket on sidecar B hears a change made through lib", async () => {
    const [sku] = await seedSkus(app, [{ onHand: 9 }]);
    const socket: ShopperSocket = connect(b.url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: ORIGIN },
    });
    clients.push(socket);
    const snapshot = await socket.timeout(5_000).emitWithAck("subscribe", { skus: [sku!] });
    expect(snapshot).toMatchObject({ ok: true });
    const heard = new Promise<Availability>((resolve) =>
      socket.on("stock", (...args) => args[0] === sku && args[1] === 12 && resolve(stockFrame(...args))),
    );
    await adjustStock(app, { sku: sku!, delta: 3, reason: "restock", source: "test" });
    expect(await heard).toMatchObject({ sku, available: 12 });
  });

  it("when sidecar A dies, B persists new events and expires holds within seconds", async () => {
    const [sku] = await seedSkus(app, [{ onHand: 30 }]);
    await waitForLedger([sku!]);
    await crash(a);
    const aCopied = a.copied.length;
    const bCopied = b.copied.length;

    const short: Deps = { ...app, holdTtlSeconds: 1 };
    const hold = await placeReservation(short, { sessionId: `s-${uid()}`, items: [{ sku: sku!, quantity: 2 }], source: "test" });
    for (let i = 0; i < 5; i++) await adjustStock(app, { sku: sku!, delta: 1, reason: "after crash", source: "test" });

    // A's expiry lease (1 s) lapses and B takes the sweep over.
    await waitFor(async () => (await stockLevel(app, sku!))!.reserved === 0, 5_000, 20);
    expect((await redisNow(app.redis)) - hold.expiresAt).toBeLessThan(2_500);
    expect(await app.redis.hget(app.keys.reservation(hold.id), "status")).toBe("expired");
    await waitForLedger([sku!]);
    expect(a.copied.length).toBe(aCopied);
    expect(b.copied.length).toBeGreaterThan(bCopied);
    expect(b.workers.counters.expirySweeps).toBeGreaterThan(0);
  });
});
