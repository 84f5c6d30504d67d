// The merchandiser's Stock and Activity screens against the real stack: restocking reaches a
// shopper's page live, shoppers' holds reach the stock table live, the SKU page's history and
// chart, the live activity feed, and the audit API's access rules. Saves screenshots.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signIn } from "./staff";

const bearer = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

async function createSku(api: APIRequestContext, onHand: number, name = "Canvas Tote") {
  const id = unique();
  const sku = `E2E-STK-${id}`;
  const slug = `e2e-stock-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: bearer(),
    data: {
      product: { slug, name: `${name} ${id.slice(-4)}`, category: "E2E", hue: 160, lowStockThreshold: 3 },
      label: "Natural",
      priceCents: 2400,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

/** Wait until the ledger has at least `count` events of a SKU (the persister runs every ~100 ms). */
async function ledgerHas(api: APIRequestContext, sku: string, count: number) {
  await expect
    .poll(async () => ((await (await api.get(`/api/v1/admin/events?sku=${sku}`, { headers: bearer() })).json()).events as unknown[]).length)
    .toBeGreaterThanOrEqual(count);
}

test("the audit API needs staff credentials and validates its query", async ({ request }) => {
  const anonymous = await request.get("/api/v1/admin/events");
  expect(anonymous.status()).toBe(401);
  expect(await anonymous.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  expect((await request.get("/api/v1/admin/events.csv")).status()).toBe(401);
  expect((await request.get("/api/v1/admin/events", { headers: { authorization: "Bearer swt_not-a-token" } })).status()).toBe(403);

  const bad = await request.get("/api/v1/admin/events?type=teleport", { headers: bearer() });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.code).toBe("invalid_request");

  const { sku } = await createSku(request, 4);
  await request.post(`/api/v1/admin/inventory/${sku}/adjust`, {
    headers: bearer(),
    data: { delta: 2, reason: "received", note: 'PO 1, "rush"' },
  });
  await ledgerHas(request, sku, 2);
  const page1 = await (await request.get(`/api/v1/admin/events?sku=${sku}&limit=1`, { headers: bearer() })).json();
  expect(page1.events).toHaveLength(1);
  expect(page1.events[0]).toMatchObject({ sku, type: "restock", delta: 2, onHand: 6, version: 2, reason: 'received: PO 1, "rush"' });
  const page2 = await (await request.get(`/api/v1/admin/events?sku=${sku}&limit=1&after=${page1.next}`, { headers: bearer() })).json();
  expect(page2.events.map((e: { version: number }) => e.version)).toEqual([1]);

  const csv = await request.get(`/api/v1/admin/events.csv?sku=${sku}`, { headers: bearer() });
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(csv.headers()["content-disposition"]).toMatch(
    new RegExp(`^attachment; filename="stockwire-events-${sku}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`),
  );
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toMatch(/^at,sku,version,type,/);
  expect(text).toContain('"received: PO 1, ""rush"""');
});

test("restocking a sold-out SKU in the stock table reaches a shopper's page live; a refusal rolls back", async ({
  browser,
  page,
  request,
  baseURL,
}) => {
  const { sku, slug } = await createSku(request, 0, "Sold-out Tote");
  const shopperContext = await browser.newContext({ baseURL });
  const shopper = await shopperContext.newPage();
  await shopper.goto(`/products/${slug}`);
  await expect(shopper.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  const badge = shopper.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
  await expect(badge).toHaveText("Sold out");
  await expect(shopper.getByTestId("add-to-cart")).toBeDisabled();

  await signIn(page, "/admin/stock");
  await page.getByTestId("stock-search").fill(sku);
  const row = page.getByTestId(`stock-row-${sku}`);
  await expect(row.getByTestId("cell-available")).toHaveText("0");
  await page.getByTestId("stock-filter-sold_out").click();
  await expect(row).toBeVisible();
  await page.getByTestId("stock-filter-all").click();
  await page.getByTestId(`stock-edit-${sku}`).click();
  const editor = page.getByTestId(`stock-editor-${sku}`);
  await editor.getByTestId("adjust-delta").fill("8");
  await editor.getByTestId("adjust-reason").selectOption("received");
  await editor.getByTestId("adjust-submit").click();
  await expect(editor.getByTestId("adjust-status")).toContainText("Added 8 units (received)");
  await expect(row.getByTestId("cell-onhand")).toHaveText("8");

  // The shopper's page follows without a reload.
  await expect(badge).not.toHaveText("Sold out");
  await expect(badge).toHaveAttribute("data-available", "8");
  await expect(shopper.getByTestId("add-to-cart")).toBeEnabled();

  // Removing more than is there is refused in words, and the row shows the true count again.
  await editor.getByTestId("adjust-delta").fill("-50");
  await editor.getByTestId("adjust-reason").selectOption("damaged");
  await editor.getByTestId("adjust-submit").click();
  await expect(editor.getByTestId("adjust-status")).toContainText("can drop by at most 8");
  await expect(row.getByTestId("cell-onhand")).toHaveText("8");

  // Safety stock is kept back from shoppers.
  await editor.getByTestId("safety-input").fill("2");
  await editor.getByTestId("safety-submit").click();
  await expect(editor.getByTestId("safety-status")).toContainText("Safety stock of");
  await expect(row.getByTestId("cell-available")).toHaveText("6");
  await expect(badge).toHaveAttribute("data-available", "6");
  await shopperContext.close();
});

test("the stock table follows a shopper's hold live", async ({ browser, page, request, baseURL }) => {
  const { sku, slug } = await createSku(request, 6, "Held Tote");
  await signIn(page, "/admin/stock");
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
  const row = page.getByTestId(`stock-row-${sku}`);
  await expect(row.getByTestId("cell-available")).toHaveText("6");

  const shopperContext = await browser.newContext({ baseURL });
  const shopper = await shopperContext.newPage();
  await shopper.goto(`/products/${slug}`);
  await expect(shopper.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  await expect(shopper.getByTestId("add-to-cart")).toBeEnabled();
  await shopper.getByTestId("quantity").selectOption("2");
  await shopper.getByTestId("add-to-cart").click();
  await expect(shopper.getByTestId("action-status")).toContainText("Reserved 2 items");

  await expect(row.getByTestId("cell-reserved")).toHaveText("2");
  await expect(row.getByTestId("cell-available")).toHaveText("4");
  await shopperContext.close();
});

test("SKU page with history and chart, the live activity feed, and screenshots", async ({ page, request }) => {
  const { sku } = await createSku(request, 20, "Chart Tote");
  for (const [delta, reason] of [
    [-3, "damaged"],
    [12, "received"],
    [-4, "recount"],
    [2, "return"],
  ] as const) {
    const res = await request.post(`/api/v1/admin/inventory/${sku}/adjust`, { headers: bearer(), data: { delta, reason } });
    expect(res.ok()).toBeTruthy();
  }
  await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 3 }] }, headers: { "idempotency-key": `e2e-${sku}` } });
  await ledgerHas(request, sku, 6);

  await signIn(page, "/admin/stock");
  await page.setViewportSize({ width: 1440, height: 960 });
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
  await page.screenshot({ path: "screenshots/admin-stock-desktop.png", fullPage: true });
  await page.getByTestId(`stock-edit-${sku}`).click();
  await page.getByTestId(`stock-row-${sku}`).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "screenshots/admin-stock-editor-desktop.png" });

  await page.goto(`/admin/stock/${sku}`);
  await expect(page.getByTestId("stock-chart")).toHaveAttribute("data-points", "6");
  await expect(page.getByTestId("sku-history").getByTestId("event-row")).toHaveCount(6);
  await expect(page.getByTestId("level-on-hand")).toHaveText("27");
  await expect(page.getByTestId("level-held")).toHaveText("3");
  await page.screenshot({ path: "screenshots/admin-sku-desktop.png", fullPage: true });

  await page.goto(`/admin/activity?sku=${sku}`);
  const rows = page.getByTestId("events-table").getByTestId("event-row");
  await expect(rows).toHaveCount(6);
  await expect(page.getByTestId("export-csv")).toHaveAttribute("href", `/api/v1/admin/events.csv?sku=${sku}`);
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
  await request.post(`/api/v1/admin/inventory/${sku}/adjust`, { headers: bearer(), data: { delta: 5, reason: "received", note: "live" } });
  await expect(rows.first()).toHaveAttribute("data-version", "7");
  await expect(rows.first()).toContainText("received: live");

  // Paused: new events wait in a buffer until resumed.
  await page.getByTestId("feed-pause").click();
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "paused");
  await request.post(`/api/v1/admin/inventory/${sku}/adjust`, { headers: bearer(), data: { delta: -1, reason: "damaged" } });
  await expect(page.getByTestId("feed-resume")).toHaveText("Resume · 1 new");
  await expect(rows.first()).toHaveAttribute("data-version", "7");
  await page.getByTestId("feed-resume").click();
  await expect(rows.first()).toHaveAttribute("data-version", "8");

  // Filters live in the address: only holds.
  await page.getByTestId("filter-type").selectOption("hold");
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/type=hold/);
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("export-csv")).toHaveAttribute("href", `/api/v1/admin/events.csv?sku=${sku}&type=hold`);

  await page.goto("/admin/activity");
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
  await page.screenshot({ path: "screenshots/admin-activity-desktop.png", fullPage: false });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/admin/stock");
  await page.screenshot({ path: "screenshots/admin-stock-narrow.png", fullPage: false });
  await page.goto(`/admin/stock/${sku}`);
  await expect(page.getByTestId("stock-chart")).toBeVisible();
  await page.screenshot({ path: "screenshots/admin-sku-narrow.png", fullPage: true });
  await page.goto(`/admin/activity?sku=${sku}`);
  await page.screenshot({ path: "screenshots/admin-activity-narrow.png", fullPage: false });
});

test("a restock whose answer was lost, submitted again, is applied once", async ({ page, request }) => {
  const { sku } = await createSku(request, 5, "Retry Tote");
  await signIn(page, "/admin/stock");
  await page.getByTestId("stock-search").fill(sku);
  await page.getByTestId(`stock-edit-${sku}`).click();
  const editor = page.getByTestId(`stock-editor-${sku}`);

  // The first submission reaches the server and is applied, but its answer never arrives.
  let lost = 0;
  await page.route("**/admin/stock**", async (route) => {
    const req = route.request();
    if (req.method() !== "POST" || !req.headers()["next-action"] || lost > 0) return route.fallback();
    lost++;
    await route.fetch();
    await route.abort("connectionreset");
  });
  await editor.getByTestId("adjust-delta").fill("3");
  await editor.getByTestId("adjust-reason").selectOption("received");
  await editor.getByTestId("adjust-submit").click();
  await expect(editor.getByTestId("adjust-status")).toContainText("No answer from the server");
  expect(lost).toBe(1);

  // The merchandiser submits the same change again (the form was cleared): the store applies it once.
  await editor.getByTestId("adjust-delta").fill("3");
  await editor.getByTestId("adjust-reason").selectOption("received");
  await editor.getByTestId("adjust-submit").click();
  await expect(editor.getByTestId("adjust-status")).toContainText("now has 8 on hand");
  const level = await (await request.get(`/api/v1/inventory/${sku}`)).json();
  expect(level).toMatchObject({ onHand: 8 });
  await ledgerHas(request, sku, 2);
  const events = (await (await request.get(`/api/v1/admin/events?sku=${sku}`, { headers: bearer() })).json()).events as { type: string }[];
  expect(events.filter((e) => e.type === "restock")).toHaveLength(1);

  // A new change afterwards is a new operation.
  await editor.getByTestId("adjust-delta").fill("1");
  await editor.getByTestId("adjust-reason").selectOption("received");
  await editor.getByTestId("adjust-submit").click();
  await expect(editor.getByTestId("adjust-status")).toContainText("now has 9 on hand");
});
