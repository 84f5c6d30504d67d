import { afterAll, describe, expect, it } from "vitest";
import { placeReservation } from "../../lib/reservations";
import { stockLevel } from "../../lib/inventory";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

describe("smoke", () => {
  it("holds units", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 5 }]);
    const r = await placeReservation(deps, { sessionId: "s1", items: [{ sku: sku!, quantity: 2 }], source: "test" });
    expect(r.items[0]!.quantity).toBe(2);
    const level = await stockLevel(deps, sku!);
    expect(level).toMatchObject({ onHand: 5, reserved: 2, available: 3, version: 2 });
  });
});
