// The shopper's side of a flash sale, through the UI: the live line (places pushed over
// Socket.IO, never polled), the pre-queue and its countdown, the turn and its deadline, buying
// with the admission token, and what shoppers who did not join (or lost their turn) see.
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });

/** A fresh product with one SKU, so this spec shares no stock with any other. */
async function createSku(api: APIRequestContext, onHand: number) {
  const id = unique();
  const sku = `E2E-SALE-${id}`;
  const slug = `e2e-sale-${id.toLowerCase()}`;
  const name = `Drop Sneaker ${id}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: {
      product: { slug, name, description: "Made for the flash-sale end-to-end tests.", category: "E2E", hue: 12, lowStockThreshold: 3 },
      label: "One size",
      priceCents: 9900,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug, name };
}

interface SaleOptions {
  sku: string;
  startsAt: number;
  admissionRate: number;
  perShopperLimit?: number;
  admissionWindowSeconds?: number;
}

async function createSale(api: APIRequestContext, opts: SaleOptions): Promise<string> {
  const id = `e2e-sale-${unique().toLowerCase()}`;
  const res = await api.post("/api/v1/admin/sales", {
    headers: admin(),
    data: {
      id,
      name: `Sneaker drop ${id.slice(9)}`,
      description: "A test drop: one pair per shopper.",
      startsAt: new Date(opts.startsAt).toISOString(),
      admissionRate: opts.admissionRate,
      perShopperLimit: opts.perShopperLimit ?? 1,
      admissionWindowSeconds: opts.admissionWindowSeconds ?? 60,
      skus: [opts.sku],
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return id;
}

async function control(api: APIRequestContext, id: string, action: "pause" | "resume" | "start" | "close") {
  const res = await api.post(`/api/v1/admin/sales/${id}/${action}`, { headers: admin() });
  expect(res.ok(), await res.text()).toBeTruthy();
}

async function saleStatus(api: APIRequestContext, id: string): Promise<string> {
  const res = await api.get(`/api/v1/sales/${id}`);
  return ((await res.json()) as { counters: { status: string } }).counters.status;
}

/** A shopper of their own: a separate browser context is a separate cookie jar, so a separate session. */
async function shopper(browser: Browser, baseURL: string | undefined): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL });
  return { context, page: await context.newPage() };
}

async function join(page: Page, saleId: string) {
  await page.goto(`/sales/${saleId}`);
  await page.getByTestId("join-queue").click();
}

async function checkOut(page: Page) {
  await page.goto("/cart");
  await page.getByTestId("checkout-email").fill("grace@example.com");
  await page.getByTestId("checkout-name").fill("Grace Hopper");
  await page.getByTestId("checkout-submit").click();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
}

test.describe("flash sale", () => {
  test("the line moves in join order, an admitted shopper buys, others cannot", async ({ browser, baseURL, request }) => {
    test.setTimeout(90_000);
    const { sku, slug, name } = await createSku(request, 10);
    const saleId = await createSale(request, { sku, startsAt: Date.now() - 1000, admissionRate: 5 });
    // Pausing is only allowed once the sidecar's admitter has opened the sale.
    await expect.poll(() => saleStatus(request, saleId)).toBe("live");
    await control(request, saleId, "pause");

    const shoppers = [await shopper(browser, baseURL), await shopper(browser, baseURL), await shopper(browser, baseURL)];
    const [a, b, c] = shoppers.map((s) => s.page) as [Page, Page, Page];
    const places = ["1st", "2nd", "3rd"];
    for (const [i, page] of [a, b, c].entries()) {
      await page.goto(`/sales/${saleId}`);
      await expect(page.getByTestId("sale-status")).toHaveAttribute("data-state", "paused");
      await page.getByTestId("join-queue").click();
      await expect(page.getByTestId("queue-position")).toHaveText(`You are ${places[i]} in line`);
      await expect(page.getByTestId("sale-status")).toHaveAttribute("data-state", "waiting");
      await expect(page.getByTestId("sale-status")).toHaveAttribute("data-position", String(i + 1));
    }
    await expect(c.getByTestId("queue-wait")).toContainText("Admissions are paused");
    await expect(c.getByTestId("queue-odds")).toContainText("3rd in line, 10 left");

    // Reloading, or a second tab, shows the same place (one ticket per shopper).
    await c.reload();
    await expect(c.getByTestId("queue-position")).toHaveText("You are 3rd in line");
    const secondTab = await shoppers[2]!.context.newPage();
    await secondTab.goto(`/sales/${saleId}`);
    await expect(secondTab.getByTestId("queue-position")).toHaveText("You are 3rd in line");
    await expect(secondTab.getByTestId("join-queue")).toHaveCount(0);
    await secondTab.close();

    // Slow admissions (one every two seconds) so each step of the line can be seen.
    const patched = await request.patch(`/api/v1/admin/sales/${saleId}`, { headers: admin(), data: { admissionRate: 0.5 } });
    expect(patched.ok(), await patched.text()).toBeTruthy();
    await control(request, saleId, "resume");

    const status = c.getByTestId("sale-status");
    await expect(c.getByTestId("queue-position")).toHaveText("You are 2nd in line");
    await expect(status).toHaveAttribute("data-position", "2");
    await expect(c.getByTestId("queue-position")).toHaveText("You are 1st in line");
    await expect(status).toHaveAttribute("data-position", "1");
    await expect(status).toHaveAttribute("data-state", "admitted");
    await expect(b.getByTestId("sale-status")).toHaveAttribute("data-state", "admitted");

    // The first shopper's turn: a deadline, and an add-to-cart that presents the token.
    await expect(a.getByTestId("sale-status")).toHaveAttribute("data-state", "admitted");
    await expect(a.getByTestId("sale-status")).toContainText("It’s your turn");
    await expect(a.getByTestId("turn-deadline")).toContainText(/\d:\d\d/);
    const add = a.locator(`[data-testid="sale-add-to-cart"][data-sku="${sku}"]`);
    await expect(add).toBeEnabled();
    await add.click();
    const item = a.locator(`[data-testid="sale-item"][data-sku="${sku}"]`);
    await expect(item.getByTestId("action-status")).toContainText("Reserved 1 item");
    await expect(a.getByTestId("cart-count")).toHaveText("1");
    // One per shopper: the limit is taken.
    await expect(add).toHaveText("Limit reached");
    await checkOut(a);
    await expect(a.getByTestId("order-line")).toContainText(name);
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ onHand: 9, reserved: 0 });

    // A shopper who did not join sees no way to buy, and the API refuses a direct hold.
    const { context: outsider, page: d } = await shopper(browser, baseURL);
    await d.goto(`/sales/${saleId}`);
    await expect(d.getByTestId("sale-status")).toHaveAttribute("data-state", "live");
    await expect(d.getByTestId("join-queue")).toBeVisible();
    await expect(d.getByTestId("sale-add-to-cart")).toHaveCount(0);
    const direct = await d.request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }] } });
    expect(direct.status()).toBe(403);
    expect((await direct.json()).error.code).toBe("queue_token_required");
    // The product page sends them to the line instead of offering "Add to cart".
    await d.goto(`/products/${slug}`);
    await expect(d.getByTestId("sale-link")).toContainText("Part of the flash sale");
    await expect(d.getByTestId("add-to-cart")).toHaveCount(0);
    await d.getByTestId("sale-link").getByRole("link").click();
    await expect(d).toHaveURL(new RegExp(`/sales/${saleId}$`));

    await control(request, saleId, "close");
    await Promise.all([...shoppers.map((s) => s.context.close()), outsider.close()]);
  });

  test("before the start: a countdown and a pre-queue; sold out reaches everyone at once", async ({ browser, baseURL, request }) => {
    test.setTimeout(90_000);
    const { sku } = await createSku(request, 1);
    const saleId = await createSale(request, { sku, startsAt: Date.now() + 3_600_000, admissionRate: 5 });
    const shoppers = [await shopper(browser, baseURL), await shopper(browser, baseURL)];
    const pages = shoppers.map((s) => s.page) as [Page, Page];

    await pages[0].goto(`/sales/${saleId}`);
    const countdown = pages[0].getByTestId("sale-countdown");
    await expect(countdown).toHaveText(/^(59:\d\d|1:00:00)$/);
    await expect.poll(() => countdown.innerText(), { timeout: 5_000 }).not.toBe(await countdown.innerText());
    await expect(pages[0].getByTestId("sale-status")).toHaveAttribute("data-state", "scheduled");
    await expect(pages[0].getByTestId("sale-status")).toContainText("random place");

    for (const page of pages) {
      await join(page, saleId);
      await expect(page.getByTestId("sale-status")).toHaveAttribute("data-state", "pre");
      await expect(page.getByTestId("sale-status")).toContainText("arriving early or refreshing gains nothing");
      await expect(page.getByTestId("sale-countdown")).toBeVisible();
    }
    // Reloading in the pre-queue changes nothing.
    await pages[1].reload();
    await expect(pages[1].getByTestId("sale-status")).toHaveAttribute("data-state", "pre");

    // Start now: places are drawn; one unit, so one shopper is admitted and the other waits 1st.
    await control(request, saleId, "start");
    const stateOf = (page: Page) => page.getByTestId("sale-status").getAttribute("data-state");
    await expect
      .poll(async () => [await stateOf(pages[0]), await stateOf(pages[1])].sort().join(" "), { timeout: 15_000 })
      .toBe("admitted waiting");
    const admittedFirst = (await stateOf(pages[0])) === "admitted";
    const [winner, waiter] = admittedFirst ? [pages[0], pages[1]] : [pages[1], pages[0]];
    await expect(waiter.getByTestId("queue-position")).toHaveText("You are 1st in line");
    await expect(waiter.getByTestId("sale-units-left")).toHaveText("1");

    // An onlooker who never joined.
    const { context: onlookerContext, page: onlooker } = await shopper(browser, baseURL);
    await onlooker.goto(`/sales/${saleId}`);
    await expect(onlooker.getByTestId("sale-status")).toHaveAttribute("data-state", "live");

    await winner.locator(`[data-testid="sale-add-to-cart"][data-sku="${sku}"]`).click();
    await expect(winner.getByTestId("cart-count")).toHaveText("1");
    await expect(waiter.getByTestId("sale-units-left")).toHaveText("0");
    await checkOut(winner);

    // The last unit is sold: the whole line (and anyone watching) learns it at once.
    await expect(waiter.getByTestId("sale-status")).toHaveAttribute("data-state", "soldout");
    await expect(waiter.getByTestId("sale-status")).toContainText("Sold out");
    await expect(waiter.getByTestId("leave-queue")).toHaveCount(0);
    await expect(onlooker.getByTestId("sale-status")).toHaveAttribute("data-state", "soldout");
    await expect(onlooker.getByTestId("join-queue")).toHaveCount(0);
    await winner.goto(`/sales/${saleId}`);
    await expect(winner.getByTestId("sale-status")).toHaveAttribute("data-state", "done");

    await control(request, saleId, "close");
    await waiter.reload();
    await expect(waiter.getByTestId("sale-status")).toHaveAttribute("data-state", "closed");
    await expect(waiter.getByTestId("sale-status")).toContainText("This sale has ended");
    await Promise.all([...shoppers.map((s) => s.context.close()), onlookerContext.close()]);
  });

  test("a turn that passes unused is lost; leaving and joining again goes to the back", async ({ browser, baseURL, request }) => {
    test.setTimeout(90_000);
    const { sku } = await createSku(request, 5);
    const saleId = await createSale(request, { sku, startsAt: Date.now() - 1000, admissionRate: 20, admissionWindowSeconds: 10 });
    await expect.poll(() => saleStatus(request, saleId)).toBe("live");
    const { context, page } = await shopper(browser, baseURL);

    await join(page, saleId);
    const status = page.getByTestId("sale-status");
    await expect(status).toHaveAttribute("data-state", "admitted");
    await expect(page.getByTestId("turn-deadline")).toContainText(/0:(0\d|10)/);
    // Nothing added: the window passes and the page says so, offering the back of the line.
    await expect(status).toHaveAttribute("data-state", "expired", { timeout: 20_000 });
    await expect(status).toContainText("Your turn ended");
    await expect(page.getByTestId("sale-add-to-cart")).toHaveCount(0);
    await expect(page.getByTestId("join-queue")).toHaveText("Join again");

    await page.getByTestId("join-queue").click();
    await expect(status).toHaveAttribute("data-state", "admitted");
    await page.getByTestId("leave-queue").click();
    await expect(status).toHaveAttribute("data-state", "left");
    await expect(status).toContainText("You left the line");
    await page.reload();
    await expect(status).toHaveAttribute("data-state", "left");

    await control(request, saleId, "close");
    // No such sale: the store's 404 page.
    const missing = await page.goto(`/sales/no-such-sale-${unique().toLowerCase()}`);
    expect(missing?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn’t find that");
    await context.close();
  });
});
