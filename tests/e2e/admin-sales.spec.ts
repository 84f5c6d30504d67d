// The merchandiser's side of flash sales and reconciliation, in a real browser against the real
// stack: schedule a sale through the form, watch its line move live (no reload, no polling),
// start, pause and resume it from the screen; run a reconciliation check.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });

async function createSku(api: APIRequestContext): Promise<string> {
  const id = unique();
  const sku = `E2E-ADM-${id}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: {
      product: {
        slug: `e2e-adm-${id.toLowerCase()}`,
        name: `Admin Drop ${id}`,
        description: "For the back-office sales test.",
        category: "E2E",
        hue: 200,
        lowStockThreshold: 3,
      },
      label: "One size",
      priceCents: 4900,
      onHand: 12,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return sku;
}

async function logIn(page: Page, path: string) {
  await page.goto(path);
  await page.getByTestId("login-email").fill(process.env.ADMIN_EMAIL ?? "");
  await page.getByTestId("login-password").fill(process.env.ADMIN_PASSWORD ?? "");
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
}

test("a merchandiser schedules a sale, sees its line live, starts, pauses and resumes it", async ({ page, playwright, baseURL }) => {
  const sku = await createSku(page.request);
  await logIn(page, "/admin/sales");

  const saleId = `adm-${unique().toLowerCase()}`;
  const form = page.getByTestId("create-sale-form");
  await form.getByTestId("sale-name").fill(`Back office drop ${saleId.slice(4)}`);
  await form.getByTestId("sale-id").fill(saleId);
  await form.getByTestId("sale-sku-list").fill(sku);
  // An hour from now in the browser's own time zone (datetime-local has none).
  const local = await page.evaluate(() => {
    const d = new Date(Date.now() + 3600_000);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  });
  await form.getByTestId("sale-start").fill(local);
  await form.getByTestId("sale-rate").fill("4");
  await form.getByTestId("create-sale-submit").click();
  await expect(page.getByTestId("create-sale-status")).toContainText("is scheduled");

  const card = page.getByTestId(`sale-${saleId}`);
  await expect(card).toBeVisible();
  await expect(page.getByTestId(`sale-status-${saleId}`)).toContainText("Scheduled");
  await expect(page.getByTestId(`sale-figure-waiting-${saleId}`)).toHaveText("0");
  await expect(page.getByTestId(`sale-figure-units-${saleId}`)).toHaveText("12");
  await expect(page.getByTestId(`sale-status-${saleId}`).getByLabel("live")).toBeAttached();

  // Two shoppers join the pre-queue (their own sessions). Joins alone send no frame (the
  // admitter broadcasts ticks that admit, drop or change status/stock), so the start shows them.
  for (let i = 0; i < 2; i++) {
    const shopper = await playwright.request.newContext({ baseURL });
    const join = await shopper.post(`/api/v1/sales/${saleId}/queue`);
    expect(join.status(), await join.text()).toBe(201);
    await shopper.dispose();
  }

  await card.getByTestId(`sale-start-${saleId}`).click();
  await expect(page.getByTestId(`sale-status-${saleId}`)).toContainText("Live");
  // The admitter lets the line in at the set rate, live on the screen (no reload).
  await expect(page.getByTestId(`sale-figure-admitted-${saleId}`)).toHaveText("2");

  await card.getByTestId(`sale-pause-${saleId}`).click();
  await expect(page.getByTestId(`sale-status-${saleId}`)).toContainText("Paused");
  await expect(page.getByTestId(`sale-message-${saleId}`)).toContainText("paused");
  const api = await page.request.get(`/api/v1/admin/sales/${saleId}`);
  expect((await api.json()).status).toBe("paused");

  await card.getByTestId(`sale-resume-${saleId}`).click();
  await expect(page.getByTestId(`sale-status-${saleId}`)).toContainText("Live");

  await card.getByTestId(`sale-rate-input-${saleId}`).fill("7.5");
  await card.getByTestId(`sale-rate-${saleId}`).click();
  await expect(page.getByTestId(`sale-rate-message-${saleId}`)).toContainText("7.5 per second");

  await page.screenshot({ path: "screenshots/admin-sales-desktop.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/admin-sales-narrow.png", fullPage: true });

  // Leave the shared stack tidy: the SKU goes back on open sale.
  await card.getByTestId(`sale-close-${saleId}`).click();
  await expect(page.getByTestId(`sale-status-${saleId}`)).toContainText("Closed");
});

test("a reconciliation check from the screen reports Redis and Postgres in agreement", async ({ page }) => {
  await logIn(page, "/admin/reconciliation");
  await page.getByTestId("reconcile-check").click();
  await expect(page.getByTestId("reconcile-status")).toContainText(/match the ledger|drifted/);
  await expect(page.getByTestId("runs-table")).toContainText("From this screen");
  await page.screenshot({ path: "screenshots/admin-reconciliation-desktop.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/admin-reconciliation-narrow.png", fullPage: true });
});
