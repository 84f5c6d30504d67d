// Alerts against the real stack: stock changes raise low-stock and sold-out alerts in the
// sidecar, a toast announces them live on any console screen, acknowledging moves one down the
// list; the overview shows today's figures and live propagation. Saves screenshots.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signIn } from "./staff";

const bearer = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

async function createSku(api: APIRequestContext, onHand: number) {
  const id = unique();
  const sku = `E2E-ALR-${id}`;
  const slug = `e2e-alert-${id.toLowerCase()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: bearer(),
    data: {
      product: { slug, name: `Field Jacket ${id.slice(-4)}`, category: "E2E", hue: 20, lowStockThreshold: 3 },
      label: "Olive",
      priceCents: 8900,
      onHand,
    },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { sku, slug };
}

async function adjust(api: APIRequestContext, sku: string, delta: number) {
  const res = await api.post(`/api/v1/admin/inventory/${sku}/adjust`, {
    headers: bearer(),
    data: { delta, reason: delta < 0 ? "damaged" : "received" },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
}

test("stock changes raise alerts live; acknowledging one; the overview's figures", async ({ page, browser, request }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1360, height: 900 });
  const { sku, slug } = await createSku(request, 10);
  // A shopper watching the product gives the gateway something to emit (propagation samples).
  const shopper = await browser.newPage();
  await shopper.goto(`/products/${slug}`);

  await signIn(page, "/admin/alerts");
  // The toast arrives over the /admin feed once the sidecar's insert wins.
  await page.waitForTimeout(500);
  await adjust(request, sku, -8);
  await expect(page.getByTestId(`alert-toast-${sku}`)).toContainText("Low stock");
  await adjust(request, sku, -2);
  await expect(page.getByTestId(`alert-toast-${sku}`).first()).toContainText("Sold out");

  await page.reload();
  await expect(page.getByTestId(`alert-open-${sku}-low_stock`)).toBeVisible();
  await expect(page.getByTestId(`alert-open-${sku}-sold_out`)).toBeVisible();
  await page.getByTestId(`alert-open-${sku}-low_stock`).getByTestId(`acknowledge-${sku}`).click();
  await expect(page.getByTestId(`alert-open-${sku}-low_stock`)).toHaveCount(0);
  await expect(page.getByTestId("alerts-acknowledged")).toContainText(sku);
  await expect(page.getByTestId("alerts-acknowledged")).toContainText(process.env.ADMIN_EMAIL ?? "");
  // A fresh event: a toast in the corner for the screenshot.
  await adjust(request, sku, 2);
  await adjust(request, sku, -2);
  await page.reload();
  await page.screenshot({ path: "screenshots/admin-alerts-desktop.png", fullPage: true });

  // The sidecar writes its propagation summary every 5 s.
  await page.goto("/admin");
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByTestId("overview-propagation").innerText();
      },
      { timeout: 15_000, intervals: [1_000] },
    )
    .toContain("p99");
  await expect(page.getByTestId("overview-today")).toContainText("Open alerts");
  await page.screenshot({ path: "screenshots/admin-overview-desktop.png", fullPage: true });
  await shopper.close();
});
