// Copying a sale into Redis (mirrorSale, syncSales) against closes and retries (issue 12, found by
// review of the fault suite's fixes): a copy made from a stale definition never re-gates a closed
// sale, a retry of createSale is the same request or a conflict, and two at once both get the sale.
import { afterAll, describe, expect, it } from "vitest";
import { controlSale, createSale, getSaleDefinition, mirrorSale, syncSales, type SaleInput } from "../../lib/sales";
import { FaultInjector } from "../faults/inject";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

const who = { source: "test" };
const gates = (skus: string[]) => Promise.all(skus.map((sku) => deps.redis.hget(deps.keys.stock(sku), "sale")));
const input = (skus: string[], over: Partial<SaleInput> = {}): SaleInput => ({
  id: `sync-${uid(8).toLowerCase()}`,
  name: "Sync sale",
  startsAt: new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000),
  admissionRate: 10,
  skus,
  ...over,
});

describe("mirrorSale and syncSales", () => {
  it("a copy from a definition read before a close does not gate the closed sale's SKUs again", async () => {
    const skus = (await seedSkus(deps, [{ onHand: 3 }, { onHand: 3 }])) as string[];
    const sale = await createSale(deps, input(skus));
    const stale = await getSaleDefinition(deps, sale.id); // what syncSales read, just before…
    await controlSale(deps, sale.id, "close", who); // …the close ran to its end
    await mirrorSale(deps, stale);
    expect(await gates(skus)).toEqual([null, null]);
    expect(await deps.redis.sismember(deps.keys.activeSales, sale.id)).toBe(0);
    expect((await getSaleDefinition(deps, sale.id)).status).toBe("closed");
  });

  it("finishes a close that died after its Redis step (closed in Redis, open in Postgres)", async () => {
    const skus = (await seedSkus(deps, [{ onHand: 3 }])) as string[];
    const sale = await createSale(deps, input(skus));
    const keys = deps.keys.sale(sale.id);
    await deps.redis.swSaleControl(keys.hash, keys.queue, keys.pre, "close");
    await syncSales(deps);
    expect(await gates(skus)).toEqual([null]);
    expect((await getSaleDefinition(deps, sale.id)).status).toBe("closed");
  });

  it("keeps a sale off the admitters' list while one of its SKUs has no stock in Redis, and gates it once it has", async () => {
    const skus = (await seedSkus(deps, [{ onHand: 3 }, { onHand: 3 }])) as string[];
    const sale = await createSale(deps, input(skus));
    // Redis lost one SKU's counters (its gate with them).
    await deps.redis.del(deps.keys.stock(skus[1]!));
    await deps.redis.srem(deps.keys.activeSales, sale.id);
    await syncSales(deps);
    expect(await deps.redis.sismember(deps.keys.activeSales, sale.id)).toBe(0);
    await deps.redis.hset(deps.keys.stock(skus[1]!), "onHand", 3, "reserved", 0, "safety", 0, "version", 1);
    await syncSales(deps);
    expect(await gates(skus)).toEqual([sale.id, sale.id]);
    expect(await deps.redis.sismember(deps.keys.activeSales, sale.id)).toBe(1);
  });
});

describe("createSale retried", () => {
  it("the same request answers the sale; a different one under the same id is a conflict", async () => {
    const skus = (await seedSkus(deps, [{ onHand: 3 }])) as string[];
    const req = input(skus);
    const first = await createSale(deps, req);
    expect((await createSale(deps, { ...req })).id).toBe(first.id);
    await expect(createSale(deps, { ...req, admissionRate: 50 })).rejects.toMatchObject({ code: "sale_conflict" });
    await expect(createSale(deps, { ...req, startsAt: new Date(req.startsAt.getTime() + 60_000) })).rejects.toMatchObject({
      code: "sale_conflict",
    });
  });

  it("two identical requests at once both get the sale (no 500 from the unique id)", async () => {
    const skus = (await seedSkus(deps, [{ onHand: 3 }])) as string[];
    const req = input(skus);
    // The second request runs to its end between the first one's checks and its insert.
    let second: Awaited<ReturnType<typeof createSale>> | null = null;
    const inj = new FaultInjector([
      {
        at: "db.sale.create",
        mode: "stall",
        onFire: async () => {
          second = await createSale(deps, { ...req });
          inj.release();
        },
      },
    ]);
    const first = await createSale(inj.deps(deps), req);
    inj.dispose();
    expect([first.id, second!.id]).toEqual([req.id, req.id]);
    expect(await gates(skus)).toEqual([req.id]);
  });
});
