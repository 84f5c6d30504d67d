// Attacks against the running stack (issue 6, "Bad input and attacks"): replayed admission
// tokens over HTTP, replayed and re-signed channel webhooks, and cross-origin use of the
// sockets, Server Actions, the admin API's session cookie and CORS. Every refusal the product
// itself answers is a 4xx with `{ error: { code } }`, and no refused request moves stock.
// (The fuzz, access matrix, auth and per-route tests live beside this file; see docs/reliability.md.)
import { createHmac } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { signIn } from "./staff";
import { socketAttempt } from "../socket-attempt";

const EVIL = "https://evil.example";
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const admin = () => ({ authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` });
const webhookSecret = () => process.env.WEBHOOK_SECRET ?? "";
/** A documentation-range address per shopper, so these requests never spend the shared 127.0.0.1 rate budget. */
const ownAddress = () => `198.51.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

async function createSku(api: APIRequestContext, onHand: number): Promise<string> {
  const sku = `E2E-SEC-${unique()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: admin(),
    data: { product: { slug: `e2e-sec-${sku.toLowerCase()}`, name: `Security ${sku}` }, label: "One size", priceCents: 1900, onHand },
  });
  expect(res.status(), await res.text()).toBe(201);
  return sku;
}

async function level(api: APIRequestContext, sku: string) {
  const res = await api.get(`/api/v1/inventory/${sku}`);
  expect(res.status()).toBe(200);
  const { onHand, reserved, available, version } = await res.json();
  return { onHand, reserved, available, version };
}

/** A 4xx whose body is exactly `{ error: { code, message } }` (details allowed), with this code. */
async function expectRefusal(res: APIResponse, status: number, code: string, what: string) {
  const text = await res.text();
  expect(res.status(), `${what}: ${text}`).toBe(status);
  const body = JSON.parse(text);
  expect(Object.keys(body), what).toEqual(["error"]);
  expect(body.error, what).toMatchObject({ code, message: expect.any(String) });
}

async function shopper(baseURL: string | undefined): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": ownAddress() } });
}

// ---------------------------------------------------------------------------------------------

test.describe("replayed admission tokens over HTTP", () => {
  test("a used token is refused when replayed by its owner, by another session, cookie-less, and after leaving the line", async ({
    request,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    const sku = await createSku(request, 6);
    const saleId = `e2e-sec-${unique().toLowerCase()}`;
    const created = await request.post("/api/v1/admin/sales", {
      headers: admin(),
      data: {
        id: saleId,
        name: `Security drop ${saleId}`,
        startsAt: new Date(Date.now() - 1000).toISOString(),
        admissionRate: 50,
        perShopperLimit: 1,
        admissionWindowSeconds: 120,
        skus: [sku],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    await expect
      .poll(async () => (await (await request.get(`/api/v1/sales/${saleId}`)).json()).counters.status, { timeout: 15_000 })
      .toBe("live");

    const owner = await shopper(baseURL);
    const thief = await shopper(baseURL);
    try {
      const joined = await owner.post(`/api/v1/sales/${saleId}/queue`);
      expect(joined.status(), await joined.text()).toBe(201);
      const { ticket } = await joined.json();
      // The sidecar's admitter admits the shopper; the status endpoint then hands out the token.
      let token = "";
      await expect
        .poll(
          async () => {
            const status = await (await owner.get(`/api/v1/sales/${saleId}/queue/${ticket}`)).json();
            token = status.token ?? "";
            return status.state;
          },
          { timeout: 15_000 },
        )
        .toBe("admitted");
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      const hold = (api: APIRequestContext, key: string, quantity = 1) =>
        api.post("/api/v1/reservations", { headers: { "idempotency-key": key }, data: { items: [{ sku, quantity }], queueToken: token } });
      const first = await hold(owner, "buy-1");
      expect(first.status(), await first.text()).toBe(201);
      const bought = await first.json();
      const checkedOut = await owner.post(`/api/v1/reservations/${bought.id}/checkout`, {
        data: { email: "owner@example.com", name: "Owner" },
      });
      expect(checkedOut.status(), await checkedOut.text()).toBe(201);
      const before = await level(request, sku);
      expect(before).toMatchObject({ onHand: 5, reserved: 0, available: 5 });

      // The owner replays the used token: the limit (1) is spent.
      await expectRefusal(await hold(owner, "buy-2"), 409, "sale_limit_reached", "owner replay, new key");
      // The first request itself, replayed: the first answer again, nothing held.
      const replayed = await hold(owner, "buy-1");
      expect(replayed.status()).toBe(200);
      expect(replayed.headers()["idempotent-replayed"]).toBe("true");
      expect((await replayed.json()).id).toBe(bought.id);
      // Another shopper's session, and a request with no cookie at all (the API gives it a new session).
      await expectRefusal(await hold(thief, "steal"), 403, "queue_token_invalid", "another session");
      await expectRefusal(await hold(thief, "buy-1"), 403, "queue_token_invalid", "another session with the owner's key");
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${baseURL}/api/v1/reservations`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": ownAddress() },
          body: JSON.stringify({ items: [{ sku, quantity: 1 }], queueToken: token }),
        });
        expect(res.status, "cookie-less replay").toBe(403);
        expect((await res.json()).error.code).toBe("queue_token_invalid");
      }
      // The owner leaves the line: the turn is over although the token has not expired.
      expect(await (await owner.delete(`/api/v1/sales/${saleId}/queue/${ticket}`)).json()).toEqual({ left: true });
      await expectRefusal(await hold(owner, "after-leave"), 403, "queue_token_invalid", "replay after leaving");

      expect(await level(request, sku)).toEqual(before);
    } finally {
      await owner.dispose();
      await thief.dispose();
      await request.post(`/api/v1/admin/sales/${saleId}/close`, { headers: admin() });
    }
  });
});

// ---------------------------------------------------------------------------------------------

test.describe("replayed channel webhooks", () => {
  const sign = (body: string, secret = webhookSecret()) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const send = (api: APIRequestContext, channel: string, body: string, headers: Record<string, string>) =>
    api.post(`/api/v1/webhooks/channels/${channel}`, { headers, data: Buffer.from(body) });

  test.beforeAll(() => {
    expect(webhookSecret(), "the e2e global setup exports WEBHOOK_SECRET").not.toBe("");
  });

  test("the same signed request twice is a duplicate; its signature on any other bytes, or a wrong key, is 401", async ({ request }) => {
    const sku = await createSku(request, 20);
    const channel = `sec-${unique().toLowerCase()}`;
    const body = JSON.stringify({ eventId: `ord-${unique()}`, sku, delta: -3, occurredAt: new Date().toISOString() });
    // The exact request an eavesdropper would capture: bytes and headers.
    const captured = { "content-type": "application/json", "x-stockwire-signature": sign(body) };

    const first = await send(request, channel, body, captured);
    expect(first.status(), await first.text()).toBe(200);
    expect(await first.json()).toMatchObject({ status: "applied", onHand: 17 });
    const after = await level(request, sku);

    for (let i = 0; i < 3; i++) {
      const again = await send(request, channel, body, captured);
      expect(again.status()).toBe(200);
      expect(await again.json()).toEqual({ status: "duplicate", eventId: JSON.parse(body).eventId, first: "applied" });
    }

    const event = JSON.parse(body);
    const tampered: [string, string][] = [
      ["a new eventId (to get past idempotency)", JSON.stringify({ ...event, eventId: `${event.eventId}-2` })],
      ["a larger delta", JSON.stringify({ ...event, delta: -30 })],
      ["another SKU", JSON.stringify({ ...event, sku: `${sku}X` })],
      ["an absolute onHand added", JSON.stringify({ ...event, onHand: 0 })],
      ["the same JSON re-spaced", JSON.stringify(event, null, 1)],
      ["a trailing newline", `${body}\n`],
      ["a second JSON key overriding delta", `${body.slice(0, -1)},"delta":-300}`],
    ];
    for (const [what, changed] of tampered) {
      await expectRefusal(await send(request, channel, changed, captured), 401, "invalid_signature", `captured signature over ${what}`);
    }
    const wrongKey = JSON.stringify({ ...event, eventId: `${event.eventId}-wk` });
    await expectRefusal(
      await send(request, channel, wrongKey, { ...captured, "x-stockwire-signature": sign(wrongKey, "not-the-webhook-secret-0123456789") }),
      401,
      "invalid_signature",
      "wrong key",
    );
    // The key's own hex is not a signature either, nor is a signature of the empty body.
    await expectRefusal(
      await send(request, channel, wrongKey, { ...captured, "x-stockwire-signature": sign("") }),
      401,
      "invalid_signature",
      "signature of the empty body",
    );

    expect(await level(request, sku)).toEqual(after);
  });

  // The signature covers the body only, not the channel in the URL: the signed body's digest is
  // unique across channels (ChannelDelivery_bodyDigest_first_key), so a replay elsewhere is a duplicate.
  test("a captured request replayed to another channel's URL is not applied again", async ({ request }) => {
    const sku = await createSku(request, 20);
    const channel = `sec-${unique().toLowerCase()}`;
    const body = JSON.stringify({ eventId: `ord-${unique()}`, sku, delta: -3, occurredAt: new Date().toISOString() });
    const captured = { "content-type": "application/json", "x-stockwire-signature": sign(body) };
    const first = await send(request, channel, body, captured);
    expect(first.status()).toBe(200);
    const after = await level(request, sku);
    expect(after.onHand).toBe(17);

    // Refused (4xx), or recognised as the same event (duplicate): either way, not applied.
    const elsewhere = await send(request, `${channel}-replay`, body, captured);
    const answer = await elsewhere.json();
    expect(elsewhere.status() >= 400 || answer.status === "duplicate", JSON.stringify(answer)).toBe(true);
    expect(await level(request, sku)).toEqual(after);
  });
});

// ---------------------------------------------------------------------------------------------

/** "connected", or "refused: <the server's message>". */
async function attemptFrom(url: string, origin: string | null, auth: Record<string, string> = {}): Promise<string> {
  const result = await socketAttempt(url, { origin, auth });
  return result === "connected" ? result : `refused: ${result}`;
}

test.describe("cross-origin", () => {
  // Sign-ins here count against an address of their own, not the suite's shared 127.0.0.1 budget.
  test.use({ extraHTTPHeaders: { "x-forwarded-for": ownAddress() } });

  test("the sidecar refuses browsers' sockets from a foreign Origin on / and on /admin (even with the admin token)", async ({
    baseURL,
  }) => {
    const realtime = process.env.STOCKWIRE_REALTIME_URL ?? "";
    expect(realtime).not.toBe("");
    const own = new URL(baseURL!).origin;
    const token = { token: process.env.ADMIN_API_TOKEN ?? "" };

    // Controls: the storefront's own origin connects, so each refusal below is the Origin's doing.
    expect(await attemptFrom(realtime, own)).toBe("connected");
    expect(await attemptFrom(`${realtime}/admin`, own, token)).toBe("connected");
    for (const origin of [EVIL, "null", `${own}.evil.example`, own.replace("http:", "https:")]) {
      expect(await attemptFrom(realtime, origin), `/ from ${origin}`).toMatch(/^refused/);
      expect(await attemptFrom(`${realtime}/admin`, origin, token), `/admin from ${origin}`).toMatch(/^refused/);
    }
    // A client that sends no Origin is not a browser (an app, a partner's server): it may follow stock;
    // /admin still wants staff credentials from it.
    expect(await attemptFrom(realtime, null)).toBe("connected");
    expect(await attemptFrom(`${realtime}/admin`, null, token)).toBe("connected");
    expect(await attemptFrom(`${realtime}/admin`, null)).toMatch(/^refused.*unauthorized/);

    // The HTTP long-polling handshake: 403 with Engine.IO's code and the reason, and no CORS grant for the foreign origin.
    const handshake = await fetch(`${realtime}/socket.io/?EIO=4&transport=polling`, { headers: { origin: EVIL } });
    expect(handshake.status).toBe(403);
    expect(await handshake.json()).toEqual({ code: 4, message: "origin_not_allowed" });
    expect(handshake.headers.get("access-control-allow-origin")).not.toBe(EVIL);
    const preflight = await fetch(`${realtime}/socket.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: { origin: EVIL, "access-control-request-method": "POST" },
    });
    expect([EVIL, "*"]).not.toContain(preflight.headers.get("access-control-allow-origin"));
    const ownHandshake = await fetch(`${realtime}/socket.io/?EIO=4&transport=polling`, { headers: { origin: own } });
    expect(ownHandshake.status).toBe(200);
    expect(ownHandshake.headers.get("access-control-allow-origin")).toBe(own);
  });

  test("a cross-origin POST to a back-office Server Action is refused with 403 cross_origin_request and changes nothing", async ({
    page,
    request,
    baseURL,
  }) => {
    const sku = await createSku(request, 10);
    await signIn(page, "/admin/stock");
    await page.getByTestId("stock-search").fill(sku);
    await page.getByTestId(`stock-edit-${sku}`).click();
    const editor = page.getByTestId(`stock-editor-${sku}`);
    await editor.getByTestId("adjust-delta").fill("1");
    await editor.getByTestId("adjust-reason").selectOption("received");
    // The browser's own request to the adjust-stock action: the one a forged page would need to send.
    const sent = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
    await editor.getByTestId("adjust-submit").click();
    const action = await sent;
    await expect(editor.getByTestId("adjust-status")).toContainText("Added 1 unit");
    expect(await level(request, sku)).toMatchObject({ onHand: 11 });
    const before = await level(request, sku);

    const headers = await action.allHeaders();
    const body = action.postDataBuffer()!;
    const replay = (origin: string) => {
      const h: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (["host", "cookie", "content-length", "origin", "referer"].includes(name) || name.startsWith(":")) continue;
        h[name] = value;
      }
      // page.request carries the signed-in admin's cookies: only the Origin differs from the real request.
      return page.request.fetch(action.url(), {
        method: "POST",
        headers: { ...h, origin, referer: `${origin}/admin/stock` },
        data: body,
        maxRedirects: 0,
      });
    };
    for (const origin of [EVIL, "null", "http://localhost.evil.example"]) {
      const res = await replay(origin);
      // The proxy answers before Next.js (which would refuse it too, but as a bare 500).
      expect(res.status(), `Server Action from ${origin}`).toBe(403);
      const text = await res.text();
      expect(JSON.parse(text), `Server Action from ${origin}`).toMatchObject({ error: { code: "cross_origin_request" } });
      expect(text).not.toContain("Added 1 unit");
      expect(await level(request, sku), `Server Action from ${origin}`).toEqual(before);
    }
    // Control: the very same request from the shop's own origin is carried out. It carries the
    // form's operation id, so as it is it would be answered as a repeat of the first change:
    // a new id makes it a new change.
    const own = await replay(new URL(baseURL!).origin);
    expect(own.status()).toBe(200);
    expect(await own.text()).toContain("Added 1 unit");
    expect(await level(request, sku), "the same change again is applied once").toEqual(before);
    const text = body.toString("latin1");
    const operation = /name="[^"]*operation"\r\n\r\n([0-9a-f]{32})/.exec(text)?.[1];
    expect(operation, "the form sends its operation id").toBeTruthy();
    const fresh = Buffer.from(text.replace(operation!, "f".repeat(32)), "latin1");
    const again = await page.request.fetch(action.url(), {
      method: "POST",
      headers: {
        ...Object.fromEntries(
          Object.entries(headers).filter(([n]) => !["host", "cookie", "content-length"].includes(n) && !n.startsWith(":")),
        ),
        origin: new URL(baseURL!).origin,
      },
      data: fresh,
      maxRedirects: 0,
    });
    expect(again.status()).toBe(200);
    expect(await level(request, sku)).toMatchObject({ onHand: 12, version: before.version + 1 });
  });

  test("the admin API refuses a back-office session cookie on a cross-origin write with 403 forbidden", async ({
    page,
    request,
    baseURL,
  }) => {
    const sku = await createSku(request, 10);
    await signIn(page, "/admin");
    const before = await level(request, sku);
    const adjust = (origin?: string) =>
      page.request.post(`/api/v1/admin/inventory/${sku}/adjust`, {
        headers: origin ? { origin } : {},
        data: { delta: 5, reason: "received" },
      });
    for (const origin of [EVIL, "null", `${new URL(baseURL!).origin}.evil.example`]) {
      await expectRefusal(await adjust(origin), 403, "forbidden", `cookie write from ${origin}`);
    }
    expect(await level(request, sku)).toEqual(before);
    // Reads with the cookie are fine cross-origin (no CORS grant lets a foreign page see them), and
    // a same-origin write goes through.
    expect((await page.request.get(`/api/v1/admin/events?sku=${sku}`, { headers: { origin: EVIL } })).status()).toBe(200);
    const ok = await adjust(new URL(baseURL!).origin);
    expect(ok.status(), await ok.text()).toBe(200);
    expect(await level(request, sku)).toMatchObject({ onHand: 15 });
  });

  test("the API grants no CORS access to a foreign origin", async ({ request }) => {
    const sku = await createSku(request, 3);
    const probes: { name: string; send: () => Promise<APIResponse> }[] = [
      { name: "GET products", send: () => request.get("/api/v1/products", { headers: { origin: EVIL } }) },
      { name: "GET inventory", send: () => request.get(`/api/v1/inventory/${sku}`, { headers: { origin: EVIL } }) },
      { name: "GET health", send: () => request.get("/api/health", { headers: { origin: EVIL } }) },
      { name: "GET admin users (token)", send: () => request.get("/api/v1/admin/users", { headers: { origin: EVIL, ...admin() } }) },
      { name: "POST reservations", send: () => request.post("/api/v1/reservations", { headers: { origin: EVIL }, data: { items: [] } }) },
      ...["/api/v1/reservations", "/api/v1/admin/users", "/api/v1/webhooks/channels/marketplace", "/api/v1/products"].map((path) => ({
        name: `preflight ${path}`,
        send: () =>
          request.fetch(path, {
            method: "OPTIONS",
            headers: {
              origin: EVIL,
              "access-control-request-method": "POST",
              "access-control-request-headers": "content-type,authorization,idempotency-key",
            },
          }),
      })),
    ];
    for (const probe of probes) {
      const res = await probe.send();
      const h = res.headers();
      expect(res.status(), probe.name).toBeLessThan(500);
      expect([EVIL, "*", "null"], `${probe.name}: access-control-allow-origin`).not.toContain(h["access-control-allow-origin"]);
      expect(h["access-control-allow-credentials"], `${probe.name}: access-control-allow-credentials`).toBeUndefined();
    }
    expect(await level(request, sku)).toMatchObject({ onHand: 3, reserved: 0, version: 1 });
  });

  test("a cross-site form can neither send the shopper cookie nor place a hold", async ({ request, baseURL }) => {
    const sku = await createSku(request, 3);
    const api = await shopper(baseURL);
    try {
      const first = await api.get("/");
      const cookie = first.headersArray().find((x) => x.name.toLowerCase() === "set-cookie" && x.value.startsWith("sw_sid="));
      expect(cookie?.value, "the first page view sets the shopper session cookie").toBeDefined();
      // SameSite=Lax: browsers leave it off cross-site POSTs; httpOnly: scripts cannot read it.
      expect(cookie!.value).toMatch(/;\s*HttpOnly/i);
      expect(cookie!.value).toMatch(/;\s*SameSite=Lax/i);
      // The bodies a cross-site <form> can send without a CORS preflight (even if a cookie came along).
      const json = JSON.stringify({ items: [{ sku, quantity: 1 }] });
      for (const [type, body] of [
        ["text/plain", json],
        ["application/x-www-form-urlencoded", `${encodeURIComponent(json)}=`],
        ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="items"\r\n\r\n${json}\r\n--x--\r\n`],
      ] as const) {
        const res = await api.post("/api/v1/reservations", { headers: { origin: EVIL, "content-type": type }, data: Buffer.from(body) });
        await expectRefusal(res, 415, "unsupported_media_type", `form post as ${type}`);
      }
      expect(await level(api, sku)).toMatchObject({ onHand: 3, reserved: 0, version: 1 });
    } finally {
      await api.dispose();
    }
  });
});
