// Every admin route, back-office page and the /admin socket namespace against every kind of
// caller: anonymous, a shopper (storefront session cookie), a merchandiser, an admin. Refusals
// carry no data: 401 without credentials, 403 for a role too low.
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { socketAttempt } from "../socket-attempt";

type Role = "merchandiser" | "admin";
const ROUTES: { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: string; role: Role }[] = [
  { method: "GET", path: "/api/v1/admin/events", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/events.csv", role: "merchandiser" },
  { method: "POST", path: "/api/v1/admin/inventory/ACCESS-NOPE/adjust", role: "merchandiser" },
  { method: "PUT", path: "/api/v1/admin/skus/ACCESS-NOPE", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/inventory", role: "merchandiser" },
  { method: "PUT", path: "/api/v1/admin/inventory", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/inventory.csv", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/reconciliation", role: "merchandiser" },
  { method: "POST", path: "/api/v1/admin/reconciliation", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/sales", role: "merchandiser" },
  { method: "POST", path: "/api/v1/admin/sales", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/sales/access-nope", role: "merchandiser" },
  { method: "PATCH", path: "/api/v1/admin/sales/access-nope", role: "merchandiser" },
  { method: "POST", path: "/api/v1/admin/sales/access-nope/pause", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/webhooks", role: "merchandiser" },
  { method: "GET", path: "/api/v1/admin/webhooks/whk_accessnope0000/deliveries", role: "merchandiser" },
  { method: "POST", path: "/api/v1/admin/webhooks", role: "admin" },
  { method: "DELETE", path: "/api/v1/admin/webhooks/whk_accessnope0000", role: "admin" },
  { method: "GET", path: "/api/v1/admin/users", role: "admin" },
  { method: "POST", path: "/api/v1/admin/users", role: "admin" },
  { method: "PATCH", path: "/api/v1/admin/users/access-nope", role: "admin" },
  { method: "GET", path: "/api/v1/admin/tokens", role: "admin" },
  { method: "POST", path: "/api/v1/admin/tokens", role: "admin" },
  { method: "DELETE", path: "/api/v1/admin/tokens/access-nope", role: "admin" },
];

const PAGES = [
  "/admin",
  "/admin/stock",
  "/admin/import",
  "/admin/activity",
  "/admin/alerts",
  "/admin/sales",
  "/admin/channels",
  "/admin/reconciliation",
  "/admin/users",
];

const adminToken = () => process.env.ADMIN_API_TOKEN ?? "";

async function call(api: APIRequestContext, route: (typeof ROUTES)[number], token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // Bodies that pass the shape checks where they are read, so a 4xx other than 401/403 means the guard let the caller in.
  return api.fetch(route.path, {
    method: route.method,
    headers,
    data: route.method === "GET" || route.method === "DELETE" ? undefined : {},
  });
}

test.describe("access matrix", () => {
  let merchandiserToken = "";

  test.beforeAll(async ({ request }) => {
    const res = await request.post("/api/v1/admin/tokens", {
      headers: { authorization: `Bearer ${adminToken()}` },
      data: { name: `access matrix ${Date.now()}`, role: "merchandiser" },
    });
    expect(res.status(), await res.text()).toBe(201);
    merchandiserToken = (await res.json()).token;
  });

  test("anonymous and shopper callers get 401 with no data on every admin route", async ({ baseURL }) => {
    const anonymous = await playwrightRequest.newContext({ baseURL });
    const shopper = await playwrightRequest.newContext({ baseURL });
    await shopper.get("/"); // the storefront session cookie: a shopper, not staff
    try {
      for (const [who, api] of [
        ["anonymous", anonymous],
        ["shopper", shopper],
      ] as const) {
        for (const route of ROUTES) {
          const res = await call(api, route);
          expect(res.status(), `${who} ${route.method} ${route.path}`).toBe(401);
          const body = await res.json();
          expect(Object.keys(body), `${who} ${route.method} ${route.path}`).toEqual(["error"]);
          expect(body.error.code).toBe("unauthorized");
        }
      }
    } finally {
      await anonymous.dispose();
      await shopper.dispose();
    }
  });

  test("a merchandiser gets 403 on admin-only routes and is let through on the others; an admin everywhere", async ({ request }) => {
    for (const route of ROUTES) {
      const asMerchandiser = await call(request, route, merchandiserToken);
      if (route.role === "admin") {
        expect(asMerchandiser.status(), `merchandiser ${route.method} ${route.path}`).toBe(403);
        expect(Object.keys(await asMerchandiser.json())).toEqual(["error"]);
      } else {
        expect([401, 403], `merchandiser ${route.method} ${route.path}`).not.toContain(asMerchandiser.status());
      }
      const asAdmin = await call(request, route, adminToken());
      expect([401, 403], `admin ${route.method} ${route.path}`).not.toContain(asAdmin.status());
      expect(asAdmin.status(), `admin ${route.method} ${route.path}`).toBeLessThan(500);
    }
  });

  test("back-office pages send anonymous visitors and shoppers to the sign-in page", async ({ page }) => {
    await page.goto("/"); // a shopper session
    for (const path of PAGES) {
      await page.goto(path);
      await expect(page, path).toHaveURL(/\/admin\/login/);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    }
  });

  test("the /admin socket namespace refuses anonymous and shopper sockets and accepts staff tokens", async ({ baseURL, request }) => {
    const url = `${process.env.STOCKWIRE_REALTIME_URL}/admin`;
    const shopperCookie = (await (await request.get("/")).headersArray())
      .find((h) => h.name.toLowerCase() === "set-cookie")
      ?.value.split(";")[0];
    const attempt = (auth: Record<string, string>, cookie?: string) => socketAttempt(url, { origin: baseURL!, auth, cookie });
    expect(await attempt({})).toBe("unauthorized");
    expect(await attempt({}, shopperCookie)).toBe("unauthorized");
    expect(await attempt({ token: "not-a-valid-token-at-all" })).toBe("unauthorized");
    expect(await attempt({ token: merchandiserToken })).toBe("connected");
    expect(await attempt({ token: adminToken() })).toBe("connected");
  });
});
