// A tour of every page a shopper or a merchandiser can open, at desktop and phone widths:
// each is screenshotted (screenshots/pages/<page>-<width>.png, to look at and to compare
// before and after a change) and checked with axe for WCAG 2 A/AA problems of serious or
// critical impact. A page that fails here fails for a person using it.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn } from "./staff";

const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

interface Fixture {
  slug: string;
  sku: string;
  saleId: string;
  orderPath: string;
}

async function fixture(api: APIRequestContext, page: Page): Promise<Fixture> {
  const id = unique();
  const sku = `E2E-TOUR-${id}`;
  const slug = `e2e-tour-${id.toLowerCase()}`;
  const put = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: {
      product: {
        slug,
        name: `Tour Jacket ${id.slice(-4)}`,
        description: "Seen on every page of the tour.",
        category: "E2E",
        hue: 210,
        lowStockThreshold: 5,
      },
      label: "Medium",
      priceCents: 8900,
      onHand: 4,
    },
  });
  expect(put.ok(), await put.text()).toBeTruthy();
  const saleSku = `E2E-TOUR-SALE-${id}`;
  const salePut = await api.put(`/api/v1/admin/skus/${saleSku}`, {
    headers: admin(),
    data: {
      product: { slug: `${slug}-drop`, name: `Tour Sneaker ${id.slice(-4)}`, category: "E2E", hue: 20, lowStockThreshold: 5 },
      label: "EU 42",
      priceCents: 14000,
      onHand: 50,
    },
  });
  expect(salePut.ok(), await salePut.text()).toBeTruthy();
  const saleId = `e2e-tour-${id.toLowerCase()}`;
  const sale = await api.post("/api/v1/admin/sales", {
    headers: admin(),
    data: {
      id: saleId,
      name: `Tour drop ${id.slice(-4)}`,
      description: "A drop for the page tour.",
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      admissionRate: 1,
      perShopperLimit: 1,
      admissionWindowSeconds: 60,
      skus: [saleSku],
    },
  });
  expect(sale.status(), await sale.text()).toBe(201);

  // An order, placed the way a shopper places one; the cart keeps a live hold for its screenshot.
  await page.goto(`/products/${slug}`);
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("action-status")).toContainText("Reserved");
  await page.goto("/cart");
  await page.getByTestId("checkout-email").fill("ada@example.com");
  await page.getByTestId("checkout-name").fill("Ada Lovelace");
  await page.getByTestId("checkout-submit").click();
  await expect(page).toHaveURL(/\/orders\//);
  const orderPath = new URL(page.url()).pathname;
  await page.goto(`/products/${slug}`);
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("action-status")).toContainText("Reserved");
  return { slug, sku, saleId, orderPath };
}

async function visit(page: Page, name: string, path: string, ready: (page: Page) => Promise<void>): Promise<void> {
  for (const [width, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    await page.goto(path);
    await ready(page);
    await page.screenshot({ path: `screenshots/pages/${name}-${width}.png`, fullPage: true });
    const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      serious.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(", ")}`,
      ),
      `${name} at ${width}`,
    ).toEqual([]);
  }
}

const live = async (page: Page) => {
  await expect(page.locator("[data-live-status]").first()).toHaveAttribute("data-live-status", "live");
};
const heading = async (page: Page) => {
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
};

test("every page, at desktop and phone widths: screenshots and no serious accessibility problem", async ({
  page,
  request,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const f = await fixture(request, page);

  await visit(page, "home", "/", live);
  await visit(page, "product", `/products/${f.slug}`, live);
  await visit(page, "cart", "/cart", heading);
  await visit(page, "order", f.orderPath, heading);
  await visit(page, "sale", `/sales/${f.saleId}`, heading);
  await visit(page, "not-found", "/products/no-such-thing", heading);

  const staff = await browser.newContext({ baseURL });
  const back = await staff.newPage();
  await visit(back, "admin-login", "/admin/login", heading);
  await signIn(back, "/admin");
  await visit(back, "admin-overview", "/admin", heading);
  await visit(back, "admin-stock", "/admin/stock", heading);
  await visit(back, "admin-sku", `/admin/stock/${f.sku}`, heading);
  await visit(back, "admin-import", "/admin/import", heading);
  await visit(back, "admin-activity", "/admin/activity", heading);
  await visit(back, "admin-alerts", "/admin/alerts", heading);
  await visit(back, "admin-sales", "/admin/sales", heading);
  await visit(back, "admin-channels", "/admin/channels", heading);
  await visit(back, "admin-reconciliation", "/admin/reconciliation", heading);
  await visit(back, "admin-users", "/admin/users", heading);
  await staff.close();
});
