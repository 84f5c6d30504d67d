// The fault injector itself, on the real servers: what a step is and what each mode does.
import { afterAll, describe, expect, it } from "vitest";
import { FaultInjector, InjectedFault, isInjected, runUnder } from "./inject";
import { testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

const key = (name: string) => `${deps.prefix}inj:${name}:${uid(6)}`;

describe("fault injector", () => {
  it("counts Redis and Postgres calls in one sequence; a fault by index, by name, by occurrence", async () => {
    const k = key("a");
    const inj = new FaultInjector([{ at: { name: "hset", occurrence: 2 }, mode: "fail" }]);
    const f = inj.deps(deps);
    await f.redis.hset(k, "x", "1");
    await f.db.sku.count();
    await expect(f.redis.hset(k, "y", "2")).rejects.toBeInstanceOf(InjectedFault);
    expect(await deps.redis.hgetall(k)).toEqual({ x: "1" });
    expect(inj.calls.map((c) => [c.index, c.name, c.write, c.executed])).toEqual([
      [1, "hset", true, true],
      [2, "db.sku.count", false, true],
      [3, "hset", true, false],
    ]);
  });

  it("fail-after: the write happened, the caller sees an error", async () => {
    const k = key("b");
    const inj = new FaultInjector([{ at: 1, mode: "fail-after" }]);
    const err = await inj
      .redis(deps.redis)
      .incr(k)
      .catch((e: unknown) => e);
    expect(isInjected(err)).toBe(true);
    expect(await deps.redis.get(k)).toBe("1");
  });

  it("resend: ioredis re-sending an unanswered command applies it twice", async () => {
    const k = key("c");
    const inj = new FaultInjector([{ at: 1, mode: "resend" }]);
    expect(await inj.redis(deps.redis).incr(k)).toBe(2);
  });

  it("a MULTI is one step; fail-after applies all of it", async () => {
    const k = key("d");
    const inj = new FaultInjector([{ at: 1, mode: "fail-after" }]);
    const r = inj.redis(deps.redis);
    await expect(r.multi().set(k, "1").expire(k, 100).exec()).rejects.toBeInstanceOf(InjectedFault);
    expect(inj.calls).toMatchObject([{ name: "multi", detail: "set,expire", write: true }]);
    expect(await deps.redis.get(k)).toBe("1");
    const reads = new FaultInjector();
    await reads.redis(deps.redis).pipeline().get(k).ttl(k).exec();
    expect(reads.calls).toMatchObject([{ name: "pipeline", write: false }]);
  });

  it("die: the call and every later one never happen, on every client of the injector", async () => {
    const k = key("e");
    const inj = new FaultInjector([{ at: 2, mode: "die" }]);
    const f = inj.deps(deps);
    const op = async () => {
      await f.redis.set(k, "1");
      await f.redis.set(k, "2");
      await f.db.sku.count();
      return "finished";
    };
    expect(await runUnder(inj, op)).toEqual({ settled: false });
    expect(await deps.redis.get(k)).toBe("1");
    expect(inj.dead).toBe(true);
    const dup = f.redis.duplicate();
    let answered = false;
    void dup.get(k).then(() => (answered = true));
    await inj.quiet();
    expect(answered).toBe(false);
    inj.dispose();
  });

  it("die-after and stall-after", async () => {
    const k = key("f");
    const inj = new FaultInjector([{ at: 1, mode: "die-after" }]);
    expect(await runUnder(inj, () => inj.redis(deps.redis).set(k, "x"))).toEqual({ settled: false });
    expect(await deps.redis.get(k)).toBe("x");
    const slow = new FaultInjector([{ at: 1, mode: "stall-after" }]);
    let answer: unknown = null;
    const p = slow
      .redis(deps.redis)
      .incr(k + "n")
      .then((v) => (answer = v));
    await slow.firstFired;
    await slow.quiet();
    expect(await deps.redis.get(k + "n")).toBe("1");
    expect(answer).toBeNull();
    slow.release();
    await p;
    expect(answer).toBe(1);
  });

  it("Prisma: a model call is counted when it runs; $transaction (both forms) is one step", async () => {
    const inj = new FaultInjector([{ at: "db.$transaction", mode: "fail-after" }]);
    const f = inj.db(deps.db);
    const q = f.sku.count();
    expect(inj.calls).toHaveLength(0); // lazy, like a PrismaPromise
    await q;
    const id = `fault-${uid(8).toLowerCase()}`;
    await expect(
      f.$transaction([
        f.product.create({ data: { id, slug: id, name: id, description: "", category: "Test" } }),
        f.product.update({ where: { id }, data: { name: `${id}!` } }),
      ]),
    ).rejects.toBeInstanceOf(InjectedFault);
    expect((await deps.db.product.findUnique({ where: { id } }))?.name).toBe(`${id}!`);
    expect(inj.calls.map((c) => c.name)).toEqual(["db.sku.count", "db.$transaction"]);
    const inter = new FaultInjector([{ at: "db.$transaction", mode: "fail" }]);
    await expect(inter.db(deps.db).$transaction(async (tx) => tx.product.delete({ where: { id } }))).rejects.toBeInstanceOf(InjectedFault);
    expect(await deps.db.product.findUnique({ where: { id } })).not.toBeNull();
    await deps.db.product.delete({ where: { id } });
  });

  it("isCluster can be forced (the stepwise paths on one node)", () => {
    expect(new FaultInjector().redis(deps.redis, { stepwise: true }).isCluster).toBe(true);
    expect(new FaultInjector().redis(deps.redis).isCluster).toBe(false);
  });
});
