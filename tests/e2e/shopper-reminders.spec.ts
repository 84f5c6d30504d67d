// What a shopper meets around a hold and a sale (issue 16): the header's hold reminder on every
// page, the cart link's name, "Hold again" on an expired line, the flash sale on the home page,
// keyboard focus on primary buttons, and stock changes told to screen-reader users.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { Redis } from "ioredis";

const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

async function createProduct(api: APIRequestContext, onHand: number, name: string) {
  const id = unique();
  const sku = `E2E-REM-${id}`;
  const slug = `e2e-reminders-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: {
      product: { slug, name: `${name} ${id.slice(-4)}`, category: "E2E", hue: 200, lowStockThreshold: 5 },
      label: "Blue",
      priceCents: 1500,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

async function addToCart(page: Page, slug: string) {
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("action-status")).toContainText("Reserved");
}

/** The clock jumps past a hold's deadline: the expiry worker (in the sidecar) then ends it as it would at 10:00. */
async function expireNow(reservationId: string) {
  const redis = new Redis(process.env.REDIS_URL ?? "", { lazyConnect: true });
  const prefix = process.env.REDIS_PREFIX ?? "sw:";
  try {
    await redis.connect();
    const past = Date.now() - 1_000;
    await redis.hset(`${prefix}res:{${reservationId}}`, "expiresAt", past);
    await redis.zadd(`${prefix}holds:deadlines`, past, reservationId);
  } finally {
    redis.disconnect();
  }
}

test("the header shows the soonest hold on every page, and the cart link's name says what it shows", async ({ page, request }) => {
  const { slug } = await createProduct(request, 8, "Reminder Mug");
  await page.goto("/");
  await expect(page.getByTestId("hold-chip")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Cart 0 items held" })).toBeVisible();

  await addToCart(page, slug);
  const chip = page.getByTestId("hold-chip");
  await expect(chip).toHaveText(/^Reserved \d+:\d\d$/);
  await expect(chip).toHaveAttribute("data-warning", "false");
  await expect(page.getByRole("link", { name: "Cart 1 item held" })).toBeVisible();

  // Another page keeps the reminder; it leads to the cart.
  await page.goto("/");
  await expect(chip).toHaveText(/^Reserved (9|10):\d\d$/);
  await chip.click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId("hold-countdown")).toHaveText(/^Reserved for you · \d+:\d\d left$/);
});

test("in a hold's last minute the header warns, once, also to screen readers", async ({ page, request }) => {
  const { slug } = await createProduct(request, 8, "Warning Mug");
  await addToCart(page, slug);
  const chip = page.getByTestId("hold-chip");
  const expiresAt = Number(await chip.getAttribute("data-expires-at"));
  // The browser's clock runs 9.5 minutes ahead: the page sees the last 30 seconds of the hold.
  await page.clock.install({ time: new Date(Date.now()) });
  await page.reload();
  // Only once the page runs (its live connection is up): it measures its clock against the
  // server's at start, and would correct a jump made before that.
  await expect(page.locator("[data-live-status]").first()).toHaveAttribute("data-live-status", "live");
  await page.clock.setSystemTime(new Date(expiresAt - 30_000));
  await page.clock.runFor(2_000);
  await expect(chip).toHaveAttribute("data-warning", "true");
  await expect(chip).toHaveText(/^Ends in 0:\d\d$/);
  await expect(page.getByTestId("hold-chip-announcement")).toHaveText(
    "Your reservation ends in less than a minute. Check out or extend it in your cart.",
  );
});

test("an expired line offers “Hold again”: a new hold of the same item, and the old line is cleared", async ({ page, request }) => {
  const { sku, slug } = await createProduct(request, 6, "Again Mug");
  await addToCart(page, slug);
  await page.goto("/cart");
  const line = page.getByTestId("cart-line").first();
  const oldId = (await line.getAttribute("data-reservation-id"))!;
  await expireNow(oldId);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/reservations/${oldId}`)).json()) as { status: string }).status)
    .toBe("expired");
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/inventory/${sku}`)).json()) as { available: number }).available)
    .toBe(6);

  await page.reload();
  await expect(line).toHaveAttribute("data-status", "expired");
  await expect(page.getByTestId("hold-again")).toBeVisible();
  await page.screenshot({ path: "screenshots/cart-expired-desktop.png", fullPage: true });
  await page.getByTestId("hold-again").click();
  await expect(page.getByTestId("action-status")).toContainText("Reserved again");
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
  await expect(page.getByTestId("cart-line").first()).toHaveAttribute("data-status", "held");
  await expect(page.getByTestId("cart-line").first()).not.toHaveAttribute("data-reservation-id", oldId);
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/inventory/${sku}`)).json()) as { available: number }).available)
    .toBe(5);
});

test("the home page announces an upcoming flash sale, and its product's card says so", async ({ page, request }) => {
  const { sku, slug } = await createProduct(request, 10, "Drop Sneaker");
  const saleId = `e2e-rem-${unique().toLowerCase()}`;
  const sale = await request.post("/api/v1/admin/sales", {
    headers: admin(),
    data: {
      id: saleId,
      name: `Reminder drop ${saleId.slice(-4)}`,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      admissionRate: 1,
      perShopperLimit: 1,
      admissionWindowSeconds: 60,
      skus: [sku],
    },
  });
  expect(sale.ok(), await sale.text()).toBeTruthy();
  await page.goto("/");
  const card = page.locator(`[data-testid="product-card"][data-slug="${slug}"]`);
  await expect(card.getByTestId("sale-badge")).toHaveText(/^Flash sale · starts in (59|1:00):\d\d/);
  const banner = page.getByTestId("sale-banner");
  await expect(banner).toBeVisible();
  await expect(banner.getByRole("link")).toHaveAttribute("href", /^\/sales\/[a-z0-9-]+$/);
  await expect(banner).toContainText(/Flash sale · (starts in \d+:\d\d|join the line|paused|sold out|starts \d+ \w+)/);
});

test("primary buttons show where the keyboard is", async ({ page, request }) => {
  const { slug } = await createProduct(request, 4, "Focus Mug");
  await page.goto(`/products/${slug}`);
  const button = page.getByTestId("add-to-cart");
  await expect(button).toBeEnabled();
  await button.focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  const outline = await button.evaluate((el) => getComputedStyle(el).outlineStyle + " " + getComputedStyle(el).outlineWidth);
  expect(outline).toBe("solid 2px");
});

test("a live change of the badge the shopper is looking at is announced politely", async ({ page, request, browser, baseURL }) => {
  const { sku, slug } = await createProduct(request, 9, "Told Mug");
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]")).toHaveAttribute("data-live-status", "live");
  const announcement = page.getByTestId("stock-announcement");
  await expect(announcement).toHaveText("");
  const other = await browser.newContext({ baseURL });
  const res = await other.request.post("/api/v1/reservations", {
    data: { items: [{ sku, quantity: 5 }] },
    headers: { "idempotency-key": `e2e-told-${sku}` },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  await expect(page.locator(`[data-testid="stock-badge"][data-sku="${sku}"]`)).toHaveText("Only 4 left");
  await expect(announcement).toHaveText("Blue: Only 4 left");
  await other.close();
});

test("on a phone, a buy bar with the live count, price and button stays in reach, and says what happened", async ({ page, request }) => {
  // A product with many variants: on a phone its panel's button starts below the fold.
  const id = unique();
  const slug = `e2e-bar-${id.toLowerCase()}`;
  for (let i = 0; i < 10; i++) {
    const res = await request.put(`/api/v1/admin/skus/E2E-BAR-${id}-${i}`, {
      headers: admin(),
      data: {
        product: {
          slug,
          name: `Bar Tee ${id.slice(-4)}`,
          category: "E2E",
          hue: 20,
          lowStockThreshold: 5,
          description: "A tee. ".repeat(60),
        },
        label: `Size ${i + 1}`,
        priceCents: 2_400,
        onHand: 12,
        position: i,
      },
    });
    expect(res.ok(), await res.text()).toBeTruthy();
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/products/${slug}`);
  await expect(page.locator("[data-live-status]").first()).toHaveAttribute("data-live-status", "live");
  const bar = page.getByTestId("buy-bar");
  await expect(bar).toBeVisible();
  await expect(bar).toContainText("$24.00");
  await expect(bar).toContainText("Size 1 · In stock");
  await page.screenshot({ path: "screenshots/product-buy-bar-phone.png" });
  await page.getByTestId("buy-bar-add").click();
  await expect(page.getByTestId("buy-bar-message")).toContainText("Reserved 1 item");
  await expect(page.getByTestId("hold-chip")).toBeVisible();

  // Once the panel's own button is on screen, the bar steps aside.
  await page.getByTestId("add-to-cart").scrollIntoViewIfNeeded();
  await expect(bar).toBeHidden();

  // On a desktop there is room for the panel: no bar.
  await page.setViewportSize({ width: 1280, height: 400 });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(bar).toBeHidden();
});
