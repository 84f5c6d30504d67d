// Fault: Postgres stops (fast shutdown) for CHAOS_PG_OUTAGE_SECONDS (30 by default) while
// shoppers place and release holds. Pass: holds, releases, the inventory API (Redis) and
// browsing (catalog API, home, product and cart pages) answer 2xx throughout; checkout answers 503 service_unavailable during the outage and 201 on retry
// after it; the ledger ends with versions 1..n of every SKU used, none missing, none doubled.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSku, report, Shopper, sleep, startChaosStack, Tally, waitForLedger, type ChaosStack } from "./harness";

const OUTAGE_S = Number(process.env.CHAOS_PG_OUTAGE_SECONDS ?? 30);
let stack: ChaosStack;

beforeAll(async () => {
  stack = await startChaosStack("pg", { HOLD_TTL_SECONDS: String(Math.max(60, OUTAGE_S * 3)) });
});
afterAll(async () => {
  await stack?.close();
});

it(`keeps holds and badges working through a ${OUTAGE_S} s Postgres outage, and loses no ledger event`, async () => {
  const skus = [await createSku(stack, "PG", 500), await createSku(stack, "PG", 500)];
  const buyer = new Shopper(stack.baseUrl, 0);
  const toBuy = await buyer.hold(skus[0]!, 2);
  expect(toBuy.status).toBe(201);

  let phase: "before" | "outage" | "after" = "before";
  const tally = { before: new Tally(), outage: new Tally(), after: new Tally() };
  let running = true;
  const shoppers = Array.from({ length: 4 }, (_, i) => new Shopper(stack.baseUrl, i + 1));
  const load = shoppers.map(async (s, i) => {
    const sku = skus[i % skus.length]!;
    while (running) {
      const t = tally[phase];
      const held = await s.hold(sku);
      t.add("hold", held.status);
      if (held.status === 201) t.add("release", (await s.release(held.body.id)).status);
      t.add("inventory", (await s.inventory(sku)).status);
      await sleep(20);
    }
  });
  // Browsing: the catalog, a product page and the cart answer while Postgres is down (each app
  // instance serves its catalog snapshot; availability and holds come from Redis).
  const browse = async (t: Tally) => {
    t.add("products", (await buyer.call("GET", "/api/v1/products")).status);
    t.add("home page", (await buyer.call("GET", "/")).status);
    t.add("product page", (await buyer.call("GET", `/products/chaos-${skus[0]!.toLowerCase()}`)).status);
    t.add("cart page", (await buyer.call("GET", "/cart")).status);
  };

  await sleep(2_000);
  await browse(tally.before);
  phase = "outage";
  const stoppedAt = Date.now();
  await stack.faults.kill("postgres", "SIGINT");
  await sleep(1_000);
  const during = await buyer.checkout(toBuy.body.id);
  await browse(tally.outage);
  await sleep(Math.max(0, OUTAGE_S * 1000 - (Date.now() - stoppedAt)));
  await stack.faults.restart("postgres");
  const restartedAt = Date.now();
  phase = "after";

  // Checkout again until it succeeds (the pool reconnects on its own).
  let retry = await buyer.checkout(toBuy.body.id);
  let retries = 1;
  while (retry.status !== 201 && Date.now() - restartedAt < 20_000) {
    await sleep(250);
    retry = await buyer.checkout(toBuy.body.id);
    retries++;
  }
  const checkoutRecoveredMs = Date.now() - restartedAt;
  await sleep(2_000);
  await browse(tally.after);
  running = false;
  await Promise.all(load);
  const ledger = await waitForLedger(stack, skus, 30_000);

  report("postgres-outage", {
    outageSeconds: OUTAGE_S,
    checkoutDuringOutage: [during.status, (during.body as { error?: { code: string } }).error?.code],
    checkoutRetries: retries,
    checkoutRecoveredMs,
    ledgerCatchUpMs: ledger.ms,
    ledger: ledger.checks,
    before: tally.before.toString(),
    outage: tally.outage.toString(),
    after: tally.after.toString(),
  });

  expect(tally.outage.total("hold")).toBeGreaterThan(20);
  expect(tally.outage.failures("hold")).toBe(0);
  expect(tally.outage.failures("release")).toBe(0);
  expect(tally.outage.failures("inventory")).toBe(0);
  for (const read of ["products", "home page", "product page", "cart page"]) {
    expect(tally.before.failures(read), `${read} before`).toBe(0);
    expect(tally.outage.failures(read), `${read} during the outage`).toBe(0);
    expect(tally.outage.total(read), read).toBe(1);
  }
  expect(tally.after.failures("hold")).toBe(0);
  expect(during.status).toBe(503);
  expect((during.body as { error?: { code: string } }).error?.code).toBe("service_unavailable");
  expect(retry.status).toBe(201);
  for (const check of Object.values(ledger.checks)) expect(check.complete, JSON.stringify(check)).toBe(true);
});
