import { expect, test } from "@playwright/test";

test("the storefront opens", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle(/Stockwire/);
});

test("GET /api/health answers 200", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
});
