// The catalog's search, "in stock only" and sort (issue 16), in Chromium: results have their own
// address, work before JavaScript, and their badges stay live.
import { expect, test, type APIRequestContext } from "@playwright/test";

const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const tag = `Qz${Date.now().toString(36)}`;

async function createProduct(api: APIRequestContext, name: string, priceCents: number, onHand: number) {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
  const sku = `E2E-CAT-${id}`;
  const slug = `e2e-catalog-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: { product: { slug, name: `${name} ${tag}`, category: "E2E", hue: 120, lowStockThreshold: 5 }, label: "One", priceCents, onHand },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

test("search, in stock only and sort, with live badges in the results", async ({ page, request, browser, baseURL }) => {
  const cheap = await createProduct(request, "Pebble Vase", 1_900, 6);
  const dear = await createProduct(request, "Boulder Vase", 8_900, 2);
  const gone = await createProduct(request, "Grain Vase", 4_900, 0);

  await page.goto("/");
  await page.getByTestId("catalog-q").fill(`vase ${tag}`);
  await page.getByTestId("catalog-q").press("Enter");
  await expect(page).toHaveURL(new RegExp(`\\?q=vase\\+${tag}(&|$)`));
  const cards = page.getByTestId("product-card");
  await expect(page.getByTestId("catalog-count")).toHaveText(`3 products matching “vase ${tag}”`);
  await expect(cards).toHaveCount(3);

  await page.getByTestId("catalog-sort").selectOption("price-desc");
  await expect(page).toHaveURL(/sort=price-desc/);
  await expect(cards.first()).toHaveAttribute("data-slug", dear.slug);
  await expect(cards.last()).toHaveAttribute("data-slug", cheap.slug);

  await page.getByTestId("catalog-in-stock").check();
  await expect(page).toHaveURL(/stock=1/);
  await expect(cards).toHaveCount(2);
  await expect(page.locator(`[data-testid="product-card"][data-slug="${gone.slug}"]`)).toHaveCount(0);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "screenshots/catalog-search-desktop.png", fullPage: false });

  // A shopper elsewhere takes one of the two boulders: the result's badge follows without a reload.
  await expect(page.locator("[data-live-status]").first()).toHaveAttribute("data-live-status", "live");
  const other = await browser.newContext({ baseURL });
  const hold = await other.request.post("/api/v1/reservations", {
    data: { items: [{ sku: dear.sku, quantity: 1 }] },
    headers: { "idempotency-key": `e2e-cat-${dear.sku}` },
  });
  expect(hold.ok(), await hold.text()).toBeTruthy();
  await expect(page.locator(`[data-testid="product-card"][data-slug="${dear.slug}"] [data-testid="stock-badge"]`)).toHaveText(
    "Only 1 left",
  );
  await other.close();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/catalog-search-phone.png", fullPage: false });

  // Nothing matches: said, with a way back.
  await page.goto(`/?q=${tag}-nothing-like-it`);
  await expect(page.getByTestId("catalog-empty")).toContainText("Nothing matches");
  await page.getByRole("link", { name: "Show everything" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("the search works before the page's JavaScript runs", async ({ browser, baseURL, request }) => {
  const { slug } = await createProduct(request, "Static Jug", 2_500, 3);
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByTestId("catalog-q").fill(`jug ${tag}`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("product-card")).toHaveCount(1);
  await expect(page.getByTestId("product-card")).toHaveAttribute("data-slug", slug);
  await context.close();
});
