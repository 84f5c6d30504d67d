// The public HTTP contract of DESIGN.md, exercised against the running app.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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
    expect(await (await request.get(`/api/v1/inventory/${sku}`)).json()).toMatchObject({
      onHand: 3,
      reserved: 0,
      available: 3,
      version: 3,
    });
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
    expect(products.products[0].variants[0]).toMatchObject({
      sku: expect.any(String),
      available: expect.any(Number),
      version: expect.any(Number),
    });
    const health = await request.get("/api/health");
    expect(await health.json()).toMatchObject({ status: "ok", checks: { redis: "ok", postgres: "ok" } });
    const metrics = await (await request.get("/metrics")).text();
    expect(metrics).toContain("stockwire_reservations_total");
  });

  // Prometheus's own checker (Debian's `prometheus` package, installed by scripts/up.sh and .ci/run)
  // on both processes' exposition: it must parse, and our metrics must pass its lint. The only
  // problems allowed are prom-client's default gauges named `…_total` (the library's names).
  test("the app's and the sidecar's /metrics pass promtool check metrics", async ({ request }) => {
    const realtime = process.env.STOCKWIRE_REALTIME_URL ?? "";
    const sources = {
      app: await (await request.get("/metrics")).text(),
      sidecar: await (await fetch(`${realtime}/metrics`)).text(),
    };
    const libraryGauges =
      /^(stockwire_sidecar_)?nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    for (const [name, text] of Object.entries(sources)) {
      expect(text, name).toMatch(/^# TYPE stockwire_/m); // an empty input would pass the checker
      const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(run.error, "promtool is missing: apt-get install prometheus (scripts/up.sh does)").toBeUndefined();
      const problems = `${run.stdout}${run.stderr}`
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !libraryGauges.test(l));
      expect(problems, `${name}: promtool check metrics`).toEqual([]);
      expect([0, 3], `${name}: exit code (3 = lint problems only)`).toContain(run.status);
    }
  });

  // The Grafana dashboard of the compose file (ops/grafana/dashboards/stockwire.json) reads only
  // metrics that exist, in valid PromQL (each query checked by promtool as a recording rule), and
  // the Prometheus configuration that scrapes the processes is valid.
  test("the dashboard's queries are valid PromQL over metrics the processes export, and the scrape config is valid", async ({
    request,
  }) => {
    const realtime = process.env.STOCKWIRE_REALTIME_URL ?? "";
    const exported = new Set(
      [await (await request.get("/metrics")).text(), await (await fetch(`${realtime}/metrics`)).text()].flatMap((text) =>
        [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name, type]) =>
          type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
        ),
      ),
    );
    const dashboard = JSON.parse(readFileSync("ops/grafana/dashboards/stockwire.json", "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const { title, expr } of exprs) {
      const names = [...expr.matchAll(/\b(stockwire_[a-z_]+)/g)].map((m) => m[1]!);
      expect(names.length, title).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${title}: ${n} is not exported`).toBe(true);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "stockwire-rules-"));
    const rules = path.join(dir, "rules.yml");
    writeFileSync(
      rules,
      `groups:\n  - name: dashboard\n    rules:\n${exprs.map((e, i) => `      - record: stockwire:dashboard_${i}\n        expr: ${JSON.stringify(e.expr)}\n`).join("")}`,
    );
    for (const args of [
      ["check", "rules", rules],
      ["check", "config", "ops/prometheus/prometheus.yml"],
    ]) {
      const run = spawnSync("promtool", args, { encoding: "utf8" });
      expect(run.status, `promtool ${args.join(" ")}: ${run.stdout}${run.stderr}`).toBe(0);
    }
  });
});

test.describe("flash-sale API", () => {
  const admin = () => ({ authorization: `Bearer ${token()}` });

  async function createSale(api: APIRequestContext, sku: string, over: Record<string, unknown> = {}) {
    const id = `api-sale-${unique().toLowerCase()}`;
    const res = await api.post("/api/v1/admin/sales", {
      headers: admin(),
      data: { id, name: `API sale ${id}`, startsAt: new Date(Date.now() - 1000).toISOString(), admissionRate: 50, skus: [sku], ...over },
    });
    expect(res.status(), await res.text()).toBe(201);
    return id;
  }

  test("admin sale routes check the token and the body", async ({ request }) => {
    const sku = await createSku(request, 3);
    const body = { id: "nope-sale", name: "Nope", startsAt: new Date().toISOString(), admissionRate: 1, skus: [sku] };
    expect((await request.post("/api/v1/admin/sales", { data: body })).status()).toBe(401);
    expect((await request.get("/api/v1/admin/sales")).status()).toBe(401);
    expect((await request.post("/api/v1/admin/sales/nope-sale/pause")).status()).toBe(401);
    const bad = await request.post("/api/v1/admin/sales", { headers: admin(), data: { ...body, admissionRate: -1 } });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "invalid_request", message: expect.stringContaining("admissionRate") });
    const unknown = await request.post("/api/v1/admin/sales", { headers: admin(), data: { ...body, skus: ["NOT-A-REAL-SKU"] } });
    expect(unknown.status()).toBe(404);
    const id = await createSale(request, sku);
    const twice = await request.post("/api/v1/admin/sales", { headers: admin(), data: { ...body, id: `${id}-b` } });
    expect(twice.status()).toBe(409); // the SKU is already in an open sale
    expect((await request.post(`/api/v1/admin/sales/${id}/explode`, { headers: admin() })).status()).toBe(404);
    const closed = await request.post(`/api/v1/admin/sales/${id}/close`, { headers: admin() });
    expect((await closed.json()).status).toBe("closed");
    // Closed: the SKU is on open sale again, without a token.
    expect((await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }] } })).status()).toBe(201);
  });

  test("join, same ticket again, admission, token-gated hold, foreign token, leave", async ({ request, baseURL }) => {
    const sku = await createSku(request, 4);
    const id = await createSale(request, sku, { perShopperLimit: 1 });
    const joined = await request.post(`/api/v1/sales/${id}/queue`);
    expect(joined.status()).toBe(201);
    const { ticket, position } = await joined.json();
    expect(ticket).toMatch(/^t_/);
    expect(position).toBeGreaterThanOrEqual(1);
    const again = await request.post(`/api/v1/sales/${id}/queue`);
    expect(again.status()).toBe(200);
    expect((await again.json()).ticket).toBe(ticket);

    // No token: the sale SKU cannot be held directly.
    const direct = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }] } });
    expect(direct.status()).toBe(403);
    expect((await direct.json()).error).toMatchObject({ code: "queue_token_required", details: { saleId: id } });

    // The sidecar's admitter lets us in within a few ticks.
    let status: { admitted: boolean; token?: string; expiresAt?: string; state: string } = { admitted: false, state: "" };
    await expect
      .poll(
        async () => {
          status = await (await request.get(`/api/v1/sales/${id}/queue/${ticket}`)).json();
          return status.state;
        },
        { timeout: 10_000 },
      )
      .toBe("admitted");
    expect(status.token).toBeTruthy();
    expect(Date.parse(status.expiresAt!)).toBeGreaterThan(Date.now());

    // Another shopper cannot read our ticket or use our token.
    const stranger = await playwrightRequest.newContext({ baseURL });
    expect((await stranger.get(`/api/v1/sales/${id}/queue/${ticket}`)).status()).toBe(404);
    const stolen = await stranger.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }], queueToken: status.token } });
    expect(stolen.status()).toBe(403);
    expect((await stolen.json()).error.code).toBe("queue_token_invalid");
    await stranger.dispose();

    const overLimit = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 2 }], queueToken: status.token } });
    expect(overLimit.status()).toBe(409);
    expect((await overLimit.json()).error.code).toBe("sale_limit_reached");
    const hold = await request.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }], queueToken: status.token } });
    expect(hold.status(), await hold.text()).toBe(201);
    expect((await (await request.get(`/api/v1/inventory/${sku}`)).json()).reserved).toBe(1);

    const left = await request.delete(`/api/v1/sales/${id}/queue/${ticket}`);
    expect(await left.json()).toEqual({ left: true });
    expect((await (await request.get(`/api/v1/sales/${id}/queue/${ticket}`)).json()).state).toBe("left");
    expect((await request.get(`/api/v1/sales/no-such-sale`)).status()).toBe(404);
    expect((await request.post(`/api/v1/sales/NOT%20A%20SALE/queue`)).status()).toBe(404);
  });

  test("queue joins are rate-limited per client address with 429 and Retry-After", async ({ request }) => {
    const sku = await createSku(request, 1);
    const id = await createSale(request, sku);
    // A unique address for this test (the app counts the nearest X-Forwarded-For entry).
    const headers = {
      "x-forwarded-for": `203.0.113.${Math.floor(Math.random() * 250) + 1}, 198.51.100.${Math.floor(Math.random() * 250) + 1}`,
    };
    const codes: number[] = [];
    let limited: { status: number; retryAfter: string | undefined; body: { error: { code: string } } } | null = null;
    for (let i = 0; i < 100 && !limited; i++) {
      const res = await request.post(`/api/v1/sales/${id}/queue`, { headers });
      codes.push(res.status());
      if (res.status() === 429) limited = { status: 429, retryAfter: res.headers()["retry-after"], body: await res.json() };
    }
    expect(limited, `statuses: ${codes.join(",")}`).not.toBeNull();
    expect(Number(limited!.retryAfter)).toBeGreaterThan(0);
    expect(limited!.body.error.code).toBe("rate_limited");
    expect(codes.filter((c) => c >= 500)).toEqual([]);
  });
});
