// One subscription per process (lib/events/feed.ts): every listener hears every stock event of the
// channel, one listener throwing does not stop the others, and closing ends the subscription.
import { afterAll, expect, it } from "vitest";
import { createSubscriber } from "../../lib/core/redis";
import { createStockEventFeed, decodeStockEvent } from "../../lib/events";
import { adjustStock } from "../../lib/stock";
import { seedSkus, testDeps } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

it("fans one subscription out to every listener, isolates a failing one, and stops on close", async () => {
  const subscriber = createSubscriber(deps.redis);
  const errors: unknown[] = [];
  const feed = createStockEventFeed({ subscriber }, deps.keys.eventsChannel, (err) => errors.push(err));
  await feed.ready;
  const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
  const heard: [string, number][] = [];
  const stopA = feed.listen((m) => {
    const e = decodeStockEvent(m);
    if (e && e.sku === sku) heard.push(["a", e.version]);
  });
  feed.listen(() => {
    throw new Error("a broken listener");
  });
  feed.listen((m) => {
    const e = decodeStockEvent(m);
    if (e && e.sku === sku) heard.push(["c", e.version]);
  });

  const level = await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" });
  await until(() => heard.length >= 2);
  expect(heard.sort()).toEqual([
    ["a", level.version],
    ["c", level.version],
  ]);
  expect(errors.length).toBeGreaterThanOrEqual(1);
  expect((errors[0] as Error).message).toBe("a broken listener");

  // A listener that stopped hears nothing more; the others still do.
  stopA();
  const next = await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" });
  await until(() => heard.some(([who, v]) => who === "c" && v === next.version));
  expect(heard.filter(([who]) => who === "a")).toHaveLength(1);

  // Closed: the connection is unsubscribed (it can run commands again) and nothing is heard.
  await feed.close();
  const count = heard.length;
  await adjustStock(deps, { sku: sku!, delta: -1, reason: "damaged", source: "test" });
  await new Promise((r) => setTimeout(r, 200));
  expect(heard).toHaveLength(count);
  expect(await subscriber.ping()).toBe("PONG");
  subscriber.disconnect();
});
