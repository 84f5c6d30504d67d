// Channels against the running stack: the inbound webhook contract of DESIGN.md (signed POST,
// duplicate event id, bad signature, unknown SKU), the outbound webhooks admin API, and the
// /admin/channels screen with deliveries made by the real sidecar to a local receiver.
// STOCKWIRE_SCREENSHOTS=1 also saves screenshots/admin-channels-{desktop,narrow}.png.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const secret = () => process.env.WEBHOOK_SECRET ?? "";
const token = () => process.env.ADMIN_API_TOKEN ?? "";
const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();
const admin = () => ({ authorization: `Bearer ${token()}` });

async function createSku(api: APIRequestContext, onHand: number): Promise<string> {
  const sku = `CHN-${unique()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: { product: { slug: `chn-${sku.toLowerCase()}`, name: `Channel test ${sku}` }, priceCents: 1500, onHand },
  });
  expect(res.status()).toBe(201);
  return sku;
}

function post(api: APIRequestContext, channel: string, body: object, signature?: string | null) {
  const raw = JSON.stringify(body);
  const sig = signature === undefined ? `sha256=${createHmac("sha256", secret()).update(raw).digest("hex")}` : signature;
  return api.post(`/api/v1/webhooks/channels/${channel}`, {
    headers: { "content-type": "application/json", ...(sig === null ? {} : { "x-stockwire-signature": sig }) },
    data: raw,
  });
}

test.describe("channel webhooks", () => {
  test.beforeAll(() => {
    expect(secret(), "the e2e global setup exports WEBHOOK_SECRET").not.toBe("");
  });

  test("a signed event applies once; a duplicate answers 200 and changes nothing; bad signatures are 401", async ({ request }) => {
    const sku = await createSku(request, 10);
    const event = { eventId: `e2e-${unique()}`, sku, delta: -4, occurredAt: new Date().toISOString() };

    const first = await post(request, "marketplace", event);
    expect(first.status()).toBe(200);
    expect(await first.json()).toMatchObject({ status: "applied", sku, onHand: 6, version: 2 });

    const again = await post(request, "marketplace", event);
    expect(again.status()).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate", first: "applied" });
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ onHand: 6, version: 2 });

    for (const sig of [null, "sha256=" + "a".repeat(64), "nonsense"]) {
      const res = await post(request, "marketplace", { ...event, eventId: `e2e-${unique()}` }, sig);
      expect(res.status()).toBe(401);
      expect((await res.json()).error.code).toBe("invalid_signature");
    }
    const tampered = await request.post("/api/v1/webhooks/channels/marketplace", {
      headers: {
        "content-type": "application/json",
        "x-stockwire-signature": `sha256=${createHmac("sha256", secret()).update(JSON.stringify(event)).digest("hex")}`,
      },
      data: JSON.stringify({ ...event, eventId: `e2e-${unique()}`, delta: 40 }),
    });
    expect(tampered.status()).toBe(401);
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ onHand: 6, version: 2 });

    const unknown = await post(request, "marketplace", { ...event, eventId: `e2e-${unique()}`, sku: `NOPE-${unique()}` });
    expect(unknown.status()).toBe(404);
    expect((await unknown.json()).error.code).toBe("unknown_sku");
    const bad = await post(request, "marketplace", { ...event, eventId: `e2e-${unique()}`, delta: 0 });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_request");
  });

  test("outbound subscriptions: admin API with roles, http(s) only, deliveries log", async ({ request }) => {
    const anon = await request.get("/api/v1/admin/webhooks");
    expect(anon.status()).toBe(401);
    const ftp = await request.post("/api/v1/admin/webhooks", { headers: admin(), data: { url: "ftp://example.com/x" } });
    expect(ftp.status()).toBe(400);
    const created = await request.post("/api/v1/admin/webhooks", {
      headers: admin(),
      data: { url: "https://example.invalid/hooks", events: "low_stock" },
    });
    expect(created.status()).toBe(201);
    const sub = await created.json();
    expect(sub).toMatchObject({
      url: "https://example.invalid/hooks",
      events: "low_stock",
      active: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    const list = await (await request.get("/api/v1/admin/webhooks", { headers: admin() })).json();
    const listed = list.subscriptions.find((s: { id: string }) => s.id === sub.id);
    expect(listed).toMatchObject({ secretHint: sub.secret.slice(-4) });
    expect(listed.secret).toBeUndefined();
    expect((await request.get(`/api/v1/admin/webhooks/${sub.id}/deliveries`, { headers: admin() })).status()).toBe(200);
    expect((await request.delete(`/api/v1/admin/webhooks/${sub.id}`, { headers: admin() })).status()).toBe(200);
    expect((await request.delete(`/api/v1/admin/webhooks/${sub.id}`, { headers: admin() })).status()).toBe(404);
  });
});

test.describe("channels screen", () => {
  let server: Server;
  const hits = new Map<string, number>();
  const cleanup: string[] = [];

  test.beforeAll(async () => {
    // Fails each delivery twice, then accepts: the screen shows retried deliveries.
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const id = String(req.headers["x-stockwire-delivery"]);
        hits.set(id, (hits.get(id) ?? 0) + 1);
        res.statusCode = (hits.get(id) ?? 0) <= 2 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  test.afterAll(async ({ request }) => {
    for (const id of cleanup) await request.delete(`/api/v1/admin/webhooks/${id}`, { headers: admin() });
    await new Promise((r) => server.close(() => r(undefined)));
  });

  async function logIn(page: Page) {
    await page.goto("/admin/login?next=%2Fadmin%2Fchannels");
    await page.getByTestId("login-email").fill(process.env.ADMIN_EMAIL ?? "");
    await page.getByTestId("login-password").fill(process.env.ADMIN_PASSWORD ?? "");
    await page.getByTestId("login-submit").click();
    await expect(page).toHaveURL(/\/admin\/channels$/);
  }

  test("lists inbound deliveries by status and outbound deliveries; subscribe and remove from the form", async ({ page, request }) => {
    const { port } = server.address() as AddressInfo;
    const ok = await (
      await request.post("/api/v1/admin/webhooks", { headers: admin(), data: { url: `http://127.0.0.1:${port}/stock` } })
    ).json();
    cleanup.push(ok.id);
    const sku = await createSku(request, 30);
    const channel = `shop-${unique().toLowerCase()}`;
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    await post(request, channel, { eventId: "ord-1001", sku, delta: -2, onHand: 28, occurredAt: at(20) });
    await post(request, channel, { eventId: "ord-1001", sku, delta: -2, onHand: 28, occurredAt: at(20) });
    await post(request, channel, { eventId: "ord-1000", sku, delta: -1, onHand: 29, occurredAt: at(10) });
    await post(request, channel, { eventId: "ret-77", sku, delta: 1, occurredAt: at(30) });
    await post(request, channel, { eventId: "ord-1002", sku: `NOPE-${unique()}`, delta: -1, occurredAt: at(40) });

    // The sidecar delivers the stock changes to the receiver, retrying the first one.
    await expect
      .poll(
        async () => {
          const { deliveries } = await (await request.get(`/api/v1/admin/webhooks/${ok.id}/deliveries`, { headers: admin() })).json();
          return deliveries.some((d: { status: string; attempts: number }) => d.status === "delivered" && d.attempts === 3);
        },
        { timeout: 20_000 },
      )
      .toBe(true);

    await logIn(page);
    const group = page.getByTestId(`channel-${channel}`);
    await expect(group.getByTestId("inbound-ord-1001-applied")).toContainText("Applied");
    await expect(group.getByTestId("inbound-ord-1001-duplicate")).toContainText("Duplicate");
    await expect(group.getByTestId("inbound-ord-1000-stale")).toContainText("Stale");
    await expect(group.getByTestId("inbound-ret-77-applied")).toBeVisible();
    await expect(group.getByTestId("inbound-ord-1002-rejected")).toContainText("Rejected");
    await expect(page.getByTestId(`subscription-${ok.id}`)).toContainText("Delivered");

    // Subscribe a receiver that is down, through the form; it shows its secret once.
    await page.getByTestId("new-webhook-url").fill("http://127.0.0.1:9/down");
    await page.getByTestId("new-webhook-events").selectOption("all");
    await page.getByTestId("create-webhook-submit").click();
    await expect(page.getByTestId("new-webhook-secret")).toHaveText(/^whsec_/);
    const subs = await (await request.get("/api/v1/admin/webhooks", { headers: admin() })).json();
    const down = subs.subscriptions.find((s: { url: string }) => s.url === "http://127.0.0.1:9/down");
    cleanup.push(down.id);
    await request.post(`/api/v1/admin/inventory/${sku}/adjust`, { headers: admin(), data: { delta: 5, reason: "received" } });
    await expect
      .poll(
        async () => {
          const { deliveries } = await (await request.get(`/api/v1/admin/webhooks/${down.id}/deliveries`, { headers: admin() })).json();
          return deliveries.some((d: { attempts: number }) => d.attempts >= 2);
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    await page.reload();
    await expect(page.getByTestId(`subscription-${down.id}`)).toContainText("Retrying");

    if (process.env.STOCKWIRE_SCREENSHOTS) {
      await page.setViewportSize({ width: 1440, height: 1500 });
      await page.screenshot({ path: "screenshots/admin-channels-desktop.png", fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: "screenshots/admin-channels-narrow.png", fullPage: true });
      await page.setViewportSize({ width: 1280, height: 720 });
    }

    // Remove it with the two-step button.
    await page.getByTestId(`webhook-remove-${down.id}`).click();
    await page.getByTestId(`webhook-remove-confirm-${down.id}`).click();
    await expect(page.getByTestId(`subscription-${down.id}`)).toHaveCount(0);
  });
});
