// Two shoppers on the same product: one buys the last units, the other's page follows live
// (DESIGN: monotone views over the Socket.IO sidecar), without a reload.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

async function createProduct(api: APIRequestContext, onHand: number) {
  const id = unique();
  const sku = `E2E-LIVE-${id}`;
  const slug = `e2e-live-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: { authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` },
    data: {
      product: { slug, name: `Live Mug ${id}`, category: "E2E", hue: 30, lowStockThreshold: 5 },
      label: "Standard",
      priceCents: 1800,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

async function openLive(page: Page, slug: string) {
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  // A marker that a reload would wipe out.
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
}

test("the other shopper's badge turns Sold out without a reload", async ({ browser, request }) => {
  const { sku, slug } = await createProduct(request, 2);
  const contextA = await browser.newContext();
  const contextB = await browser.newContext();
  const a = await contextA.newPage();
  const b = await contextB.newPage();
  await Promise.all([openLive(a, slug), openLive(b, slug)]);

  const badgeA = a.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
  const badgeB = b.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
  await expect(badgeA).toHaveText("Only 2 left");
  await expect(badgeB).toHaveText("Only 2 left");
  await expect(b.getByTestId("add-to-cart")).toBeEnabled();
  const versionBefore = Number(await badgeB.getAttribute("data-version"));

  // A reserves the last two units…
  await a.getByTestId("quantity").selectOption("2");
  await a.getByTestId("add-to-cart").click();
  await expect(a.getByTestId("action-status")).toContainText("Reserved 2 items");
  await expect(a.getByTestId("cart-count")).toHaveText("2");

  // …and B sees it live: no reload, newer version, button disabled.
  await expect(badgeB).toHaveText("Sold out");
  await expect(badgeB).toHaveAttribute("data-available", "0");
  expect(Number(await badgeB.getAttribute("data-version"))).toBeGreaterThan(versionBefore);
  await expect(b.getByTestId("add-to-cart")).toBeDisabled();
  await expect(b.getByTestId("add-to-cart")).toHaveText("Sold out");

  // A buys them.
  await a.goto("/cart");
  await a.getByTestId("checkout-email").fill("grace@example.com");
  await a.getByTestId("checkout-name").fill("Grace Hopper");
  await a.getByTestId("checkout-submit").click();
  await expect(a.getByTestId("order-number")).toHaveText(/^SW-/);

  // B still shows Sold out (the sale does not bring units back), on the same document.
  await expect(badgeB).toHaveText("Sold out");
  await expect(b.getByTestId("add-to-cart")).toBeDisabled();
  expect(await b.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ onHand: 0, reserved: 0, available: 0 });

  await contextA.close();
  await contextB.close();
});

test("the catalog card follows live counts too", async ({ browser, request }) => {
  const { sku, slug } = await createProduct(request, 7);
  const viewer = await browser.newContext();
  const page = await viewer.newPage();
  await page.goto("/");
  await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  const cardBadge = page.locator(`[data-testid="product-card"][data-slug="${slug}"] [data-testid="stock-badge"]`);
  await expect(cardBadge).toHaveText("In stock");

  const hold = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 4 }] } });
  expect(hold.status()).toBe(201);
  await expect(cardBadge).toHaveText("Only 3 left");
  await expect(cardBadge).toHaveAttribute("data-available", "3");

  await request.post(`/api/v1/reservations/${(await hold.json()).id}/release`);
  await expect(cardBadge).toHaveText("In stock");
  await viewer.close();
});

test("with WebSocket blocked the badge still follows live over long-polling", async ({ browser, request }) => {
  const { sku, slug } = await createProduct(request, 9);
  const context = await browser.newContext();
  // As a proxy that refuses the upgrade: every WebSocket the page opens goes to a closed port and
  // fails, while window.__blockWebSocket is set.
  await context.addInitScript(() => {
    const w = window as unknown as { __blockWebSocket: boolean; WebSocket: typeof WebSocket };
    w.__blockWebSocket = true;
    const Real = w.WebSocket;
    w.WebSocket = class extends Real {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(w.__blockWebSocket ? "ws://127.0.0.1:9/blocked" : url, protocols);
      }
    };
  });
  const page = await context.newPage();
  const transports: string[] = [];
  page.on("request", (r) => {
    const t = new URL(r.url()).searchParams.get("transport");
    if (r.url().includes("/socket.io/") && t) transports.push(t);
  });
  const liveSockets: string[] = [];
  page.on("websocket", (ws) => {
    if (ws.url().includes("/socket.io/")) liveSockets.push(ws.url());
  });
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  expect(transports).toContain("polling");
  expect(liveSockets).toEqual([]);

  const badge = page.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
  await expect(badge).toHaveText("In stock");
  const hold = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 5 }] } });
  expect(hold.ok(), await hold.text()).toBeTruthy();
  await expect(badge).toHaveText("Only 4 left");

  await request.post(`/api/v1/reservations/${(await hold.json()).id}/release`);
  await expect(badge).toHaveText("In stock");
  // Going back to WebSocket on the next reconnect once it can be opened: tests/realtime/transports.test.ts.
  await context.close();
});
