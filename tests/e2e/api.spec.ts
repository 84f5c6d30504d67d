// The public HTTP contract of DESIGN.md, exercised against the running app.
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";

const token = () => process.env.ADMIN_API_TOKEN ?? "";
const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();

async function createSku(api: APIRequestContext, onHand: number): Promise<string> {
  const sku = `API-${unique()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: { authorization: `Bearer ${token()}` },
    data: { product: { slug: `api-${sku.toLowerCase()}`, name: `API test ${sku}` }, priceCents: 1500, onHand },
  });
  expect(res.status()).toBe(201);
  return sku;
}

test.describe("public API", () => {
  test("admin routes refuse anonymous and wrong tokens", async ({ request }) => {
    const body = { product: { slug: "nope", name: "Nope" }, priceCents: 1, onHand: 1 };
    const anon = await request.put("/api/v1/admin/skus/NOPE-1", { data: body });
    expect(anon.status()).toBe(401);
    expect((await anon.json()).error.code).toBe("unauthorized");
    const wrong = await request.put("/api/v1/admin/skus/NOPE-1", { data: body, headers: { authorization: "Bearer not-the-token-at-all" } });
    expect(wrong.status()).toBe(403);
    const adjust = await request.post("/api/v1/admin/inventory/NOPE-1/adjust", { data: { delta: 1, reason: "received" } });
    expect(adjust.status()).toBe(401);
  });

  test("reservation lifecycle: hold, idempotent retry, foreign release, checkout", async ({ request, baseURL }) => {
    const sku = await createSku(request, 5);
    const inv = await request.get(`/api/v1/inventory/${sku}`);
    expect(await inv.json()).toEqual({ sku, onHand: 5, reserved: 0, safety: 0, available: 5, version: 1 });

    const headers = { "idempotency-key": `key-${unique()}` };
    const first = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 2 }] }, headers });
    expect(first.status()).toBe(201);
    const hold = await first.json();
    expect(hold).toMatchObject({ id: expect.any(String), items: [{ sku, quantity: 2 }] });
    expect(Date.parse(hold.expiresAt)).toBeGreaterThan(Date.now());
    const retry = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 2 }] }, headers });
    expect(retry.status()).toBe(200);
    expect((await retry.json()).id).toBe(hold.id);
    expect((await (await request.get(`/api/v1/inventory/${sku}`)).json()).reserved).toBe(2);

    const stranger = await playwrightRequest.newContext({ baseURL });
    expect((await stranger.post(`/api/v1/reservations/${hold.id}/release`)).status()).toBe(404);
    expect((await stranger.post(`/api/v1/reservations/${hold.id}/checkout`)).status()).toBe(404);
    await stranger.dispose();

    const tooMany = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 4 }] } });
    expect(tooMany.status()).toBe(409);
    expect((await tooMany.json()).error).toMatchObject({ code: "insufficient_stock", details: { available: 3 } });

    const order = await request.post(`/api/v1/reservations/${hold.id}/checkout`, { data: { email: "ada@example.com", name: "Ada" } });
    expect(order.status()).toBe(201);
    expect(await order.json()).toMatchObject({ orderId: expect.any(String) });
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ onHand: 3, reserved: 0, available: 3, version: 3 });
    expect((await request.post(`/api/v1/reservations/${hold.id}/release`)).status()).toBe(409);
  });

  test("bad input is a 4xx with a code and changes nothing", async ({ request }) => {
    const sku = await createSku(request, 3);
    const cases: { body: string | object; status: number; code: string }[] = [
      { body: "{not json", status: 400, code: "invalid_request" },
      { body: {}, status: 400, code: "invalid_request" },
      { body: { items: [] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku, quantity: 0 }] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku, quantity: -2 }] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku, quantity: 1.5 }] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku, quantity: "1" }] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku: "lower-case", quantity: 1 }] }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku: `NOPE-${unique()}`, quantity: 1 }] }, status: 404, code: "unknown_sku" },
      { body: { items: [{ sku, quantity: 1 }], extra: true }, status: 400, code: "invalid_request" },
      { body: { items: [{ sku, quantity: 1 }], queueToken: "forged" }, status: 403, code: "queue_token_invalid" },
      { body: { items: [{ sku, quantity: 1 }], pad: "x".repeat(200_000) }, status: 413, code: "payload_too_large" },
    ];
    for (const c of cases) {
      const res = await request.post("/api/v1/reservations", {
        headers: { "content-type": "application/json" },
        data: typeof c.body === "string" ? c.body : JSON.stringify(c.body),
      });
      expect(res.status(), JSON.stringify(c.body).slice(0, 80)).toBe(c.status);
      const body = await res.json();
      expect(body.error.code).toBe(c.code);
      expect(typeof body.error.message).toBe("string");
    }
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({ reserved: 0, version: 1 });
    expect((await request.get("/api/v1/inventory/not%20a%20sku")).status()).toBe(400);
    expect((await request.get("/api/v1/products/no-such-product")).status()).toBe(404);
  });

  test("catalog, health and metrics", async ({ request }) => {
    const products = await (await request.get("/api/v1/products")).json();
    expect(products.products.length).toBeGreaterThanOrEqual(12);
    expect(products.products[0].variants[0]).toMatchObject({ sku: expect.any(String), available: expect.any(Number), version: expect.any(Number) });
    const health = await request.get("/api/health");
    expect(await health.json()).toMatchObject({ status: "ok", checks: { redis: "ok", postgres: "ok" } });
    const metrics = await (await request.get("/metrics")).text();
    expect(metrics).toContain("stockwire_reservations_total");
  });
});
