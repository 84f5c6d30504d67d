// Signing in to the back office as the bootstrap admin (ADMIN_EMAIL / ADMIN_PASSWORD, set by the
// global setup), the way a merchandiser does: the login form, then back to `next`.
import { expect, type Page } from "@playwright/test";

export async function signIn(page: Page, next: string): Promise<void> {
  await page.goto(`/admin/login?next=${encodeURIComponent(next)}`);
  await page.getByTestId("login-email").fill(process.env.ADMIN_EMAIL ?? "");
  await page.getByTestId("login-password").fill(process.env.ADMIN_PASSWORD ?? "");
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
}
