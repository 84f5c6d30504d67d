// Low-stock and sold-out alerts: one open alert per SKU and kind (the partial unique index),
// acknowledgement by name, and a fresh alert once the previous one was acknowledged.
import { afterAll, describe, expect, it } from "vitest";
import { acknowledgeAlert, alertBoard, alertKindFor, openAlertCount, raiseAlert, raiseAlertForEvent } from "../../lib/backoffice";
import { adjustStock } from "../../lib/stock";
import type { StockEvent } from "../../lib/shared/types";
import { createWebhookSubscription, deleteWebhookSubscription, enqueueAlert } from "../../lib/webhooks";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

function eventOf(sku: string, available: number): StockEvent {
  return {
    type: "sale",
    sku,
    location: "main",
    delta: -1,
    onHand: available,
    reserved: 0,
    safety: 0,
    available,
    version: 1,
    reason: null,
    source: "test",
    actor: null,
    reservationId: null,
    at: Date.now(),
  };
}

const openFor = (sku: string) => deps.db.alert.findMany({ where: { sku, acknowledgedAt: null } });

describe("alerts", () => {
  it("calls sold_out at 0, low_stock at or under the threshold, nothing above it", () => {
    expect(alertKindFor(0, 5)).toBe("sold_out");
    expect(alertKindFor(-2, 5)).toBe("sold_out");
    expect(alertKindFor(1, 5)).toBe("low_stock");
    expect(alertKindFor(5, 5)).toBe("low_stock");
    expect(alertKindFor(6, 5)).toBeNull();
    expect(alertKindFor(3, 0)).toBeNull();
  });

  it("raises once per SKU and kind while one is open, even when raised concurrently", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 4 }], { lowStockThreshold: 5 });
    const raised = await Promise.all(Array.from({ length: 5 }, () => raiseAlertForEvent(deps, eventOf(sku!, 4))));
    expect(raised.every((r) => r.kind === "low_stock")).toBe(true);
    expect(raised.filter((r) => r.alert !== null)).toHaveLength(1);
    expect(raised.find((r) => r.alert)?.alert).toMatchObject({ sku, kind: "low_stock", available: 4, threshold: 5, acknowledgedAt: null });
    expect(await raiseAlert(deps, { sku: sku!, kind: "low_stock", available: 2, threshold: 5 })).toBeNull();
    expect(await openFor(sku!)).toHaveLength(1);
  });

  it("keeps sold_out apart from low_stock, and raises nothing above the threshold", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 9 }], { lowStockThreshold: 3 });
    expect(await raiseAlertForEvent(deps, eventOf(sku!, 9))).toEqual({ kind: null, alert: null });
    await adjustStock(deps, { sku: sku!, delta: -7, reason: "damaged", ...who });
    expect((await raiseAlertForEvent(deps, eventOf(sku!, 2))).alert?.kind).toBe("low_stock");
    const soldOut = await raiseAlertForEvent(deps, eventOf(sku!, 0));
    expect(soldOut.alert).toMatchObject({ kind: "sold_out", available: 0, threshold: 3 });
    expect((await raiseAlertForEvent(deps, eventOf(sku!, 0))).alert).toBeNull();
    expect((await openFor(sku!)).map((a) => a.kind).sort()).toEqual(["low_stock", "sold_out"]);
  });

  it("acknowledges by name, keeps the first acknowledger, and raises again afterwards", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 0 }]);
    const first = (await raiseAlertForEvent(deps, eventOf(sku!, 0))).alert!;
    const before = await openAlertCount(deps);
    const acked = await acknowledgeAlert(deps, first.id, "ops@shop.test");
    expect(acked).toMatchObject({ id: first.id, acknowledgedBy: "ops@shop.test" });
    expect(acked.acknowledgedAt).toBeTypeOf("number");
    expect(await openAlertCount(deps)).toBe(before - 1);
    expect((await acknowledgeAlert(deps, first.id, "late@shop.test")).acknowledgedBy).toBe("ops@shop.test");

    const second = (await raiseAlertForEvent(deps, eventOf(sku!, 0))).alert;
    expect(second).not.toBeNull();
    expect(second!.id).not.toBe(first.id);
    const board = await alertBoard(deps, 500);
    expect(board.open.some((a) => a.id === second!.id)).toBe(true);
    expect(board.acknowledged.some((a) => a.id === first.id)).toBe(true);
    await expect(acknowledgeAlert(deps, "00000000-0000-4000-8000-000000000000", "ops@shop.test")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("queues a raised alert once for each subscription that asked for alerts, and for no other", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 0 }]);
    const { alert } = await raiseAlertForEvent(deps, eventOf(sku!, 0));
    expect(alert?.kind).toBe("sold_out");
    const alerts = await createWebhookSubscription(deps, { url: "http://127.0.0.1:9/alerts", events: "alerts" });
    const everything = await createWebhookSubscription(deps, { url: "http://127.0.0.1:9/all", events: "all" });
    try {
      expect(await enqueueAlert(deps, alert!)).toBe(1);
      expect(await enqueueAlert(deps, alert!)).toBe(0); // the same alert again: nothing new
      const rows = await deps.db.webhookDelivery.findMany({ where: { eventKey: `alert:${alert!.id}` } });
      expect(rows.map((r) => r.subscriptionId)).toEqual([alerts.subscription.id]);
      expect(rows[0]!.payload).toMatchObject({ type: "alert.raised", alert: { id: alert!.id, sku, kind: "sold_out" } });
    } finally {
      await deleteWebhookSubscription(deps, alerts.subscription.id);
      await deleteWebhookSubscription(deps, everything.subscription.id);
    }
  });
});
