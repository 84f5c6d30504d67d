// Retries that must not apply twice (issue 12, defect 6), against real Redis and Postgres: a
// stock script re-sent with the same operation id (what ioredis does after a reconnect), a
// caller retrying with the same id, and a channel delivery whose Postgres step fails after
// Redis applied it, then retried by the channel. Failures are injected by wrapping the real
// clients, never by replacing them.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { receiveChannelEvent, signBody } from "../../lib/channels";
import type { Deps } from "../../lib/core/deps";
import { adjustStock, setStock, stockLevel } from "../../lib/stock";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const SECRET = "test-webhook-secret-0123456789";

const events = async (d: Deps, sku: string) => (await d.redis.xrange(d.keys.events(sku), "-", "+")).length;
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );

function send(d: Deps, channel: string, body: object) {
  const raw = Buffer.from(JSON.stringify(body));
  return receiveChannelEvent(d, { channel, rawBody: raw, signature: signBody(SECRET, raw), secret: SECRET });
}

/**
 * The real Postgres client, except that the first ChannelDelivery write that marks a row
 * `applied` fails — as if Postgres went away right after Redis applied the report.
 */
function failFirstAppliedWrite(db: Deps["db"]): { db: Deps["db"]; failed: () => number } {
  let failures = 0;
  const delegateOf = (rows: Deps["db"]["channelDelivery"]) =>
    new Proxy(rows, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if ((prop !== "update" && prop !== "updateMany") || typeof value !== "function") return value;
        return (args: { data?: { status?: unknown } }) => {
          if (failures === 0 && args.data?.status === "applied") {
            failures++;
            return Promise.reject(new Error("injected: connection to Postgres lost"));
          }
          return Reflect.apply(value, target, [args]);
        };
      },
    });
  const wrap = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        if (prop === "channelDelivery") return delegateOf(Reflect.get(target, prop, receiver) as Deps["db"]["channelDelivery"]);
        const value: unknown = Reflect.get(target, prop, receiver);
        // An interactive transaction's client gets the same fault.
        if (prop === "$transaction" && typeof value === "function") {
          return (fn: unknown, ...rest: unknown[]) =>
            Reflect.apply(value, target, [typeof fn === "function" ? (tx: object) => fn(wrap(tx)) : fn, ...rest]);
        }
        return value;
      },
    });
  return { db: wrap(db), failed: () => failures };
}

describe("operation ids", () => {
  it("the adjust script sent twice with one operation id (an ioredis re-send) changes stock once and emits one event", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const k = deps.keys;
    const call = (op: string) =>
      deps.redis.swAdjust(
        k.stock(sku!),
        k.events(sku!),
        k.stockOps(sku!),
        k.stockOpsAt(sku!),
        sku!,
        -3,
        "adjust",
        "damaged",
        "test",
        "",
        k.eventsChannel,
        op,
      );
    const op = randomUUID();
    const first = await call(op);
    const resent = await call(op);
    expect(first).toEqual([1, 7, 7, 2]);
    expect(resent).toEqual(first);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 7, version: 2 });
    expect(await events(deps, sku!)).toBe(2);
    // Another operation is another change; an empty id is never shared.
    expect(await call(randomUUID())).toEqual([1, 4, 4, 3]);
    await expect(call("")).rejects.toThrow(/operation id/);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 4, version: 3 });
  });

  it("adjustStock retried with the same operationId applies once; the id with another change is 422", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const operationId = `retry-${uid(8)}`;
    const change = { sku: sku!, delta: 5, reason: "received", type: "restock" as const, source: "test", operationId };
    await adjustStock(deps, change);
    await Promise.all([adjustStock(deps, change), adjustStock(deps, change)]);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 15, version: 2 });
    expect(await codeOf(adjustStock(deps, { ...change, delta: 6 }))).toBe("idempotency_key_reused");
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 15, version: 2 });
    expect(await events(deps, sku!)).toBe(2);
  });

  it("a set re-sent after a later adjustment answers its first reply and does not undo the adjustment", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    const k = deps.keys;
    const op = randomUUID();
    const call = () =>
      deps.redis.swSetStock(
        k.stock(sku!),
        k.events(sku!),
        k.stockOps(sku!),
        k.stockOpsAt(sku!),
        sku!,
        30,
        0,
        5,
        "main",
        "recount",
        "test",
        "",
        k.eventsChannel,
        0,
        op,
      );
    const first = await call();
    expect(first).toEqual([1, 30, 30, 2]);
    await adjustStock(deps, { sku: sku!, delta: -2, reason: "damaged", source: "test" });
    expect(await call()).toEqual(first);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 28, version: 3 });
    // setStock with an operationId: the same id twice is one setting.
    const again = { sku: sku!, onHand: 12, safety: 0, lowStockThreshold: 5, source: "test", operationId: randomUUID() };
    await setStock(deps, again);
    await adjustStock(deps, { sku: sku!, delta: 1, reason: "received", source: "test" });
    await setStock(deps, again);
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 13, version: 5 });
  });

  it("an adjustment past a Postgres integer is 400 and changes nothing", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    expect(await codeOf(adjustStock(deps, { sku: sku!, delta: 2_147_483_648, reason: "received", source: "test" }))).toBe(
      "invalid_request",
    );
    const refused = await adjustStock(deps, { sku: sku!, delta: 2_147_483_640, reason: "received", source: "test" }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({
      code: "invalid_request",
      status: 400,
      details: { reason: "on_hand_out_of_range", maxIncrease: 2_147_483_637 },
    });
    expect(await adjustStock(deps, { sku: sku!, delta: 2_147_483_637, reason: "received", source: "test" })).toMatchObject({
      onHand: 2_147_483_647,
    });
    expect(await codeOf(adjustStock(deps, { sku: sku!, delta: 1, reason: "received", source: "test" }))).toBe("invalid_request");
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 2_147_483_647, version: 2 });
  });
});

describe("channel deliveries retried after a failure", () => {
  for (const kind of ["movement", "count"] as const) {
    it(`a ${kind} whose Postgres update fails after Redis applied it is applied once when the channel retries`, async () => {
      const [sku] = await seedSkus(deps, [{ onHand: 20 }]);
      const channel = `shop-${uid(6).toLowerCase()}`;
      const report =
        kind === "movement"
          ? { eventId: `ord-${uid(8)}`, sku: sku!, delta: -4, occurredAt: new Date().toISOString() }
          : { eventId: `cnt-${uid(8)}`, sku: sku!, delta: -4, onHand: 16, occurredAt: new Date().toISOString() };
      const faulty = failFirstAppliedWrite(deps.db);
      await expect(send({ ...deps, db: faulty.db }, channel, report)).rejects.toThrow(/injected/);
      expect(faulty.failed()).toBe(1);
      // Redis did apply it: the outcome was lost, not the change.
      expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 16, version: 2 });

      // The channel saw an error and sends the same event again (and again).
      const retry = await send(deps, channel, report);
      expect(retry).toEqual({ status: "applied", eventId: report.eventId, sku, onHand: 16, available: 16, version: 2 });
      expect(await send(deps, channel, report)).toMatchObject({ status: "duplicate", first: "applied" });
      expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 16, version: 2 });
      expect(await events(deps, sku!)).toBe(2);
      const log = await deps.db.channelDelivery.findMany({ where: { channel }, orderBy: { receivedAt: "asc" } });
      expect(log.map((r) => [r.status, r.version])).toEqual([
        ["applied", 2],
        ["duplicate", null],
        ["duplicate", null],
      ]);
    });
  }

  it("a delivery whose Redis call failed before applying stays open and is applied by the retry", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 20 }]);
    const channel = `shop-${uid(6).toLowerCase()}`;
    const report = { eventId: `ord-${uid(8)}`, sku: sku!, delta: -1, occurredAt: new Date().toISOString() };
    let calls = 0;
    const redis = new Proxy(deps.redis, {
      get(target, prop, receiver) {
        if (prop === "swChannelReport" || prop === "swAdjust")
          return () => (calls++, Promise.reject(new Error("injected: Redis connection reset")));
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(send({ ...deps, redis }, channel, report)).rejects.toThrow(/injected/);
    expect(calls).toBe(1);
    expect((await deps.db.channelDelivery.findMany({ where: { channel } })).map((r) => r.status)).toEqual(["received"]);
    expect(await send(deps, channel, report)).toMatchObject({ status: "applied", onHand: 19, version: 2 });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 19, version: 2 });
  });
});
