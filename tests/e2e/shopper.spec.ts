// The shopper's journey through the storefront UI: browse, hold, check out; and what a
// refused optimistic hold looks like.
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

/** A fresh single-variant product through the admin API, so this spec shares no stock with others. */
async function createProduct(
  api: APIRequestContext,
  opts: { onHand: number; priceCents?: number; lowStockThreshold?: number; name?: string },
) {
  const id = unique();
  const sku = `E2E-SHOP-${id}`;
  const slug = `e2e-shop-${id.toLowerCase()}`;
  const name = opts.name ?? `Test Tee ${id}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: { authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` },
    data: {
      product: {
        slug,
        name,
        description: "Made for the end-to-end tests.",
        category: "E2E",
        hue: 140,
        lowStockThreshold: opts.lowStockThreshold ?? 5,
      },
      label: "One size",
      priceCents: opts.priceCents ?? 2400,
      onHand: opts.onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug, name };
}

test.describe("shopper", () => {
  test("browse → product → add to cart → countdown → checkout → confirmation", async ({ page, request }) => {
    const { sku, slug, name } = await createProduct(request, { onHand: 8, priceCents: 2400 });

    await page.goto("/");
    const card = page.locator(`[data-testid="product-card"][data-slug="${slug}"]`);
    await expect(card).toBeVisible();
    await expect(card.getByTestId("stock-badge")).toHaveText("In stock");
    await card.click();

    await expect(page).toHaveURL(new RegExp(`/products/${slug}$`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    const badge = page.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
    await expect(badge).toHaveText("In stock");
    await expect(badge).toHaveAttribute("data-available", "8");
    await expect(page.getByTestId("cart-count")).toHaveText("0");

    await page.getByTestId("quantity").selectOption("2");
    await page.getByTestId("add-to-cart").click();
    await expect(page.getByTestId("action-status")).toContainText("Reserved 2 items");
    await expect(page.getByTestId("cart-count")).toHaveText("2");
    await expect(badge).toHaveAttribute("data-available", "6");

    await page.getByTestId("cart-link").click();
    await expect(page).toHaveURL(/\/cart$/);
    const line = page.getByTestId("cart-line");
    await expect(line).toHaveCount(1);
    await expect(line).toHaveAttribute("data-status", "held");
    await expect(line).toContainText(name);
    await expect(line).toContainText("Qty 2");
    const countdown = line.getByTestId("hold-countdown");
    await expect(countdown).toHaveText(/Reserved for you · \d+:\d\d left/);
    // It ticks: the text changes within a couple of seconds without any reload.
    const before = await countdown.innerText();
    await expect.poll(() => countdown.innerText(), { timeout: 5_000 }).not.toBe(before);

    await expect(page.getByText("Payment is out of scope in this demo: no card is charged")).toBeVisible();
    await page.getByTestId("checkout-email").fill("ada@example.com");
    await page.getByTestId("checkout-name").fill("Ada Lovelace");
    await page.getByTestId("checkout-submit").click();

    await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("order-number")).toHaveText(/^SW-[A-Z0-9]+$/);
    await expect(page.getByTestId("order-line")).toContainText(name);
    await expect(page.getByTestId("order-total")).toHaveText("$48.00");
    await expect(page.getByTestId("cart-count")).toHaveText("0");

    const inventory = await (await request.get(`/api/v1/inventory/${sku}`)).json();
    expect(inventory).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
  });

  test("extend a hold once, then remove it", async ({ page, request }) => {
    const { sku, slug } = await createProduct(request, { onHand: 4 });
    await page.goto(`/products/${slug}`);
    await page.getByTestId("add-to-cart").click();
    await expect(page.getByTestId("cart-count")).toHaveText("1");
    await expect(page.getByTestId("action-status")).toContainText("Reserved 1 item");

    await page.goto("/cart");
    const line = page.getByTestId("cart-line");
    await expect(line).toHaveCount(1);
    const expiresBefore = Number(await line.getByTestId("hold-countdown").getAttribute("data-expires-at"));
    await line.getByTestId("extend-hold").click();
    await expect(page.getByTestId("action-status")).toContainText("Hold extended");
    await expect(line.getByTestId("extend-hold")).toHaveCount(0);
    await expect
      .poll(async () => Number(await line.getByTestId("hold-countdown").getAttribute("data-expires-at")))
      .toBeGreaterThan(expiresBefore);

    await line.getByTestId("release-hold").click();
    await expect(page.getByTestId("cart-line")).toHaveCount(0);
    await expect(page.getByTestId("cart-count")).toHaveText("0");
    await expect(page.getByTestId("action-status")).toContainText("Removed from your cart");
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ reserved: 0, available: 4 });
  });

  test("a refused optimistic add rolls back and says why", async ({ page, baseURL }) => {
    const admin = await playwrightRequest.newContext({ baseURL });
    const { sku, slug } = await createProduct(admin, { onHand: 3 });

    // This shopper's live updates never arrive (its socket is cut), so the page still shows
    // 3 left after someone else has taken them: exactly the moment before a badge updates.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
    // Hold the Server Action's request briefly so the optimistic state is observable.
    await page.route(`**/products/${slug}`, async (route) => {
      if (route.request().method() === "POST") await new Promise((r) => setTimeout(r, 1_000));
      await route.fallback();
    });

    await page.goto(`/products/${slug}`);
    const badge = page.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`);
    await expect(badge).toHaveText("Only 3 left");
    // The page knows its counts may be old, and says so.
    await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "stale");
    await expect(page.getByTestId("connection-status")).toContainText("Live availability paused — reconnecting…");

    // Another shopper (a separate cookie jar, so a separate session) takes every unit.
    const other = await playwrightRequest.newContext({ baseURL });
    const taken = await other.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 3 }] } });
    expect(taken.status()).toBe(201);
    await expect(badge).toHaveText("Only 3 left"); // not updated: the socket is blocked

    await page.getByTestId("add-to-cart").click();
    // Optimistic: counted at once and "Reserving…" while the server decides…
    await expect(page.getByTestId("cart-count")).toHaveText("1");
    await expect(page.getByTestId("add-to-cart")).toHaveText(/Reserving/);
    // …then refused: rolled back, with the server's reason.
    await expect(page.getByTestId("action-status")).toHaveText("Sold out while you were deciding.");
    await expect(page.getByTestId("cart-count")).toHaveText("0");
    // The refusal refreshed the page's data, so the badge is right even without the socket.
    await expect(badge).toHaveText("Sold out");
    await expect(page.getByTestId("add-to-cart")).toBeDisabled();
    await expect(page.getByTestId("add-to-cart")).toHaveText("Sold out");

    await other.dispose();
    await admin.dispose();
  });
});
