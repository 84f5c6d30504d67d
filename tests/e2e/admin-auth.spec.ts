// Back-office access in a real browser against the real stack: sign-in with the stack's
// ADMIN_EMAIL / ADMIN_PASSWORD, refusals, logout, roles, and the admin API behind the session.
import { expect, test, type Page } from "@playwright/test";

const adminEmail = () => process.env.ADMIN_EMAIL ?? "";
const adminPassword = () => process.env.ADMIN_PASSWORD ?? "";
const unique = () => Math.random().toString(36).slice(2, 8);

async function logIn(page: Page, email: string, password: string, path = "/admin/login") {
  await page.goto(path);
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
}

test.describe("back-office access", () => {
  test.beforeAll(() => {
    expect(adminEmail(), "the e2e global setup exports ADMIN_EMAIL").not.toBe("");
    expect(adminPassword(), "the e2e global setup exports ADMIN_PASSWORD").not.toBe("");
  });

  test("anonymous visitors are sent to the sign-in page and the admin API answers 401 with no data", async ({ page, request }) => {
    await page.goto("/admin/users");
    await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin%2Fusers$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/admin\/login$/);

    for (const path of ["/api/v1/admin/users", "/api/v1/admin/tokens", "/api/v1/admin/sales"]) {
      const res = await request.get(path);
      expect(res.status(), path).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
    const write = await request.post("/api/v1/admin/users", { data: { email: "x@y.z", name: "X", role: "admin", password: "password1" } });
    expect(write.status()).toBe(401);
  });

  test("a wrong password is refused with one generic message", async ({ page }) => {
    await logIn(page, adminEmail(), "definitely-not-the-password");
    await expect(page.getByTestId("login-error")).toHaveText("That email or password is wrong.");
    await expect(page).toHaveURL(/\/admin\/login/);
    await logIn(page, `nobody-${unique()}@shop.test`, "whatever-password");
    await expect(page.getByTestId("login-error")).toHaveText("That email or password is wrong.");
  });

  test("the first admin signs in, lands where they were going, and logs out", async ({ page, context }) => {
    await page.goto("/admin/users");
    await page.getByTestId("login-email").fill(adminEmail());
    await page.getByTestId("login-password").fill(adminPassword());
    await page.getByTestId("login-submit").click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(page.getByTestId("users-table")).toContainText(adminEmail());

    const cookie = (await context.cookies()).find((c) => c.name === "sw_staff");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/" });

    // The session cookie opens the admin API too (same browser, same cookie jar).
    const api = await page.request.get("/api/v1/admin/users");
    expect(api.status()).toBe(200);
    expect((await api.json()).users.map((u: { email: string }) => u.email)).toContain(adminEmail());

    await page.getByTestId("nav-overview").click();
    await expect(page.getByTestId("admin-overview")).toBeVisible();
    await expect(page.getByTestId("account-role")).toHaveText("admin");

    await page.getByTestId("logout").click();
    await expect(page).toHaveURL(/\/admin\/login\?signedOut=1$/);
    await expect(page.getByTestId("login-notice")).toBeVisible();
    expect((await context.cookies()).find((c) => c.name === "sw_staff")).toBeUndefined();
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/admin\/login$/);
    // The old cookie is dead on the server as well, not only gone from the browser.
    const replay = await page.request.get("/api/v1/admin/users", { headers: { cookie: `sw_staff=${cookie!.value}` } });
    expect(replay.status()).toBe(401);
  });

  test("a merchandiser manages stock but cannot open user management", async ({ page, browser, baseURL }) => {
    const email = `merch-${unique()}@shop.test`;
    const password = `pw-${unique()}-${unique()}`;
    await logIn(page, adminEmail(), adminPassword(), "/admin/login?next=%2Fadmin%2Fusers");
    await expect(page).toHaveURL(/\/admin\/users$/);
    await page.getByTestId("new-user-name").fill("Mia Merch");
    await page.getByTestId("new-user-email").fill(email);
    await page.getByTestId("new-user-role-merchandiser").check();
    await page.getByTestId("new-user-password").fill(password);
    await page.getByTestId("create-user-submit").click();
    await expect(page.getByTestId("create-user-status")).toContainText(email);
    await expect(page.getByTestId(`user-row-${email}`)).toContainText("merchandiser");

    const merch = await browser.newContext({ baseURL });
    const mpage = await merch.newPage();
    await logIn(mpage, email, password);
    await expect(mpage).toHaveURL(/\/admin$/);
    await expect(mpage.getByTestId("account-role")).toHaveText("merchandiser");
    await expect(mpage.getByTestId("nav-users")).toHaveCount(0);

    const denied = await mpage.goto("/admin/users");
    expect(denied?.status()).toBe(403);
    await expect(mpage.getByTestId("admin-forbidden")).toBeVisible();
    await expect(mpage.getByTestId("users-table")).toHaveCount(0);
    await expect(mpage.locator("body")).not.toContainText(adminEmail());

    const users = await mpage.request.get("/api/v1/admin/users");
    expect(users.status()).toBe(403);
    expect(await users.json()).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    expect((await mpage.request.get("/api/v1/admin/sales")).status()).toBe(200);
    await merch.close();

    // Disabling the account ends that session at once.
    await page.getByTestId(`user-toggle-${email}`).click();
    await expect(page.getByTestId(`user-row-${email}`)).toContainText("Disabled");
  });

  test("an API token is shown once, works as a bearer with its role, and stops at revocation", async ({ page, request }) => {
    const name = `sync-${unique()}`;
    await logIn(page, adminEmail(), adminPassword(), "/admin/login?next=%2Fadmin%2Fusers");
    await expect(page).toHaveURL(/\/admin\/users$/);
    await page.getByTestId("new-token-name").fill(name);
    await page.getByTestId("new-token-role").selectOption("merchandiser");
    await page.getByTestId("create-token-submit").click();
    const token = (await page.getByTestId("new-token-value").textContent())?.trim() ?? "";
    expect(token).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByTestId(`token-row-${name}`)).toContainText("merchandiser");

    const headers = { authorization: `Bearer ${token}` };
    expect((await request.get("/api/v1/admin/sales", { headers })).status()).toBe(200);
    expect((await request.get("/api/v1/admin/users", { headers })).status()).toBe(403);

    // Reloading never shows the plaintext again.
    await page.reload();
    await expect(page.getByTestId("new-token-value")).toHaveCount(0);
    await expect(page.locator("body")).not.toContainText(token);

    await page.getByTestId(`token-revoke-${name}`).click();
    await page.getByTestId(`token-revoke-confirm-${name}`).click();
    await expect(page.getByTestId(`token-row-${name}`)).toHaveCount(0);
    const after = await request.get("/api/v1/admin/sales", { headers });
    expect(after.status()).toBe(403);
  });
});
