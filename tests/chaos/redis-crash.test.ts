// Fault: Redis (append-only file, appendfsync everysec, as `npm run up` runs it) is killed with
// SIGKILL during load and started again on the same data. Pass: stock operations answer 2xx
// again after the restart; no SKU is oversold (reserved ≤ onHand,
// onHand = start − units of confirmed orders); every order answered 201 is confirmed in
// Postgres; every hold not checked out returns its units (reserved = 0 after the TTL); the
// version seen before the kill survives it (a process crash loses no acknowledged write);
// the ledger holds versions 1..n once each; while Redis is down, the API answers 503, never 500.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSku, report, Shopper, sleep, startChaosStack, Tally, waitForLedger, type ChaosStack } from "./harness";

const HOLD_TTL_S = 8;
const ON_HAND = 40;
let stack: ChaosStack;
let statusesWhileDown: number[] = [];

beforeAll(async () => {
  stack = await startChaosStack("redis", { HOLD_TTL_SECONDS: String(HOLD_TTL_S) });
});
afterAll(async () => {
  await stack?.close();
});

it("loses no acknowledged write, oversells nothing and returns abandoned holds after a Redis kill -9", async () => {
  const sku = await createSku(stack, "RD", ON_HAND);
  let phase: "before" | "down" | "after" = "before";
  const tally = { before: new Tally(), down: new Tally(), after: new Tally() };
  const orders: string[] = [];
  let oversold = 0;
  let running = true;
  const shoppers = Array.from({ length: 6 }, (_, i) => new Shopper(stack.baseUrl, i + 1));
  // Each answer is counted in the phase its request started in (not its iteration's): a request
  // in flight at the kill can take the whole outage to answer, and the next one starts while down.
  const counted = async <R extends { status: number }>(what: string, request: () => Promise<R>): Promise<R> => {
    const startedIn = phase;
    const res = await request();
    tally[startedIn].add(what, res.status);
    return res;
  };
  const load = shoppers.map(async (s, i) => {
    let n = 0;
    while (running) {
      const held = await counted("hold", () => s.hold(sku));
      // Every third hold is bought, the rest are abandoned (they must expire).
      if (held.status === 201 && (n++ + i) % 3 === 0) {
        const order = await counted("checkout", () => s.checkout(held.body.id));
        if (order.status === 201 && order.body.orderId) orders.push(order.body.orderId);
      }
      const level = await counted("inventory", () => s.inventory(sku));
      if (level.status === 200 && level.body.reserved > level.body.onHand) oversold++;
      await sleep(50);
    }
  });

  await sleep(2_500);
  const probe = new Shopper(stack.baseUrl, 200);
  const versionBeforeKill = (await probe.inventory(sku)).body.version;
  phase = "down";
  await stack.faults.kill("redis", "SIGKILL");
  const killedAt = Date.now();
  await sleep(2_000);
  await stack.faults.restart("redis");
  const restartedAt = Date.now();
  // First 2xx stock answer after the restart.
  let firstOk = await probe.inventory(sku);
  while (firstOk.status !== 200 && Date.now() - restartedAt < 20_000) {
    await sleep(50);
    firstOk = await probe.inventory(sku);
  }
  const recoveredMs = Date.now() - restartedAt;
  const versionAfterRestart = firstOk.body.version;
  phase = "after";
  await sleep(2_500);
  running = false;
  await Promise.all(load);

  // Abandoned holds expire (TTL + the expiry worker's second).
  let final = await probe.inventory(sku);
  const waitStarted = Date.now();
  while (final.body.reserved !== 0 && Date.now() - waitStarted < (HOLD_TTL_S + 15) * 1000) {
    await sleep(250);
    final = await probe.inventory(sku);
  }

  const db = new pg.Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  const confirmed = await db.query<{ id: string; status: string; units: string }>(
    `SELECT o.id, o.status, COALESCE(SUM(l.quantity), 0) AS units FROM "Order" o JOIN "OrderLine" l ON l."orderId" = o.id
     WHERE l.sku = $1 GROUP BY o.id, o.status`,
    [sku],
  );
  await db.end();
  const byId = new Map(confirmed.rows.map((r) => [r.id, r]));
  const lostOrders = orders.filter((id) => byId.get(id)?.status !== "confirmed");
  const soldUnits = confirmed.rows.filter((r) => r.status === "confirmed").reduce((n, r) => n + Number(r.units), 0);
  const ledger = await waitForLedger(stack, [sku], 30_000);

  report("redis-crash", {
    redisDownMs: restartedAt - killedAt,
    stockApiBackMsAfterRestart: recoveredMs,
    versionBeforeKill,
    versionAfterRestart,
    ordersAnswered201: orders.length,
    ordersInPostgres: confirmed.rows.length,
    lostOrders: lostOrders.length,
    soldUnits,
    final: final.body,
    oversoldSamples: oversold,
    before: tally.before.toString(),
    down: tally.down.toString(),
    after: tally.after.toString(),
    ledger: ledger.checks,
  });

  statusesWhileDown = [...tally.down.counts.keys()].map((k) => Number(k.split(" ").pop()));
  expect(tally.after.failures("inventory")).toBe(0);
  expect(versionAfterRestart).toBeGreaterThanOrEqual(versionBeforeKill);
  expect(oversold).toBe(0);
  expect(lostOrders).toEqual([]);
  expect(final.body.reserved).toBe(0);
  expect(final.body.onHand).toBe(ON_HAND - soldUnits);
  expect(ledger.checks[sku]!.complete, JSON.stringify(ledger.checks[sku])).toBe(true);
});

it("answers 503 service_unavailable, never 500, while Redis is down", () => {
  expect(statusesWhileDown.length).toBeGreaterThan(0);
  expect(statusesWhileDown.filter((s) => s >= 500 && s !== 503)).toEqual([]);
});
