// Table-driven fuzz of every public route and socket event against the real stack: malformed
// and hostile input must be a 4xx with `{ error: { code, message } }` (never a 5xx), must not
// move any stock, and must leave the sockets and the sidecar answering.
import { createHmac } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { io, type Socket } from "socket.io-client";

const token = () => process.env.ADMIN_API_TOKEN ?? "";
const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();
/** A documentation-range address of its own, so the fuzz never spends the shared 127.0.0.1 rate budget. */
const ownAddress = () => `198.18.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

const DEMO_SALE = "launch-runner-drop";
const NUL = "\u0000";

/** Ten thousand levels of nesting (arrays and objects), still under the 64 KiB body limit. */
const deepArray = "[".repeat(10_000) + "]".repeat(10_000);
const deepObject = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);

interface BodyCase {
  name: string;
  body: string | Buffer;
  contentType?: string;
}

/** Bodies for every POST route; none is a valid request for a real SKU of the probe. */
function bodyCases(sku: string): BodyCase[] {
  const item = (quantity: unknown, s: unknown = sku) => JSON.stringify({ items: [{ sku: s, quantity }] });
  return [
    { name: "malformed JSON", body: "{not json" },
    { name: "truncated JSON", body: '{"items":[{"sku":"' },
    { name: "JSON null", body: "null" },
    { name: "JSON number", body: "42" },
    { name: "JSON string", body: '"items"' },
    { name: "JSON array", body: "[]" },
    { name: "empty object", body: "{}" },
    { name: "items not an array", body: JSON.stringify({ items: { sku, quantity: 1 } }) },
    { name: "items of strings", body: JSON.stringify({ items: [sku] }) },
    { name: "quantity as string", body: item("1") },
    { name: "quantity null", body: item(null) },
    { name: "quantity boolean", body: item(true) },
    { name: "quantity zero", body: item(0) },
    { name: "quantity negative", body: item(-1) },
    { name: "quantity fractional", body: item(0.5) },
    { name: "quantity huge", body: item(1e12) },
    { name: "quantity beyond safe integer", body: '{"items":[{"sku":"' + sku + '","quantity":99999999999999999999999}]}' },
    { name: "quantity exponent overflow", body: '{"items":[{"sku":"' + sku + '","quantity":1e400}]}' },
    { name: "sku as number", body: item(1, 12345) },
    { name: "unknown SKU", body: item(1, `NOPE-${unique()}`) },
    { name: "lower-case SKU", body: item(1, sku.toLowerCase()) },
    { name: "unicode SKU", body: item(1, "ТОВАР-💥") },
    { name: "NUL in SKU", body: item(1, `${sku}${NUL}`) },
    { name: "SKU of 10,000 characters", body: item(1, "A".repeat(10_000)) },
    { name: "too many lines", body: JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ sku: `NOPE-${i}`, quantity: 1 })) }) },
    { name: "duplicated key, last invalid", body: `{"items":[{"sku":"${sku}","quantity":1}],"items":[]}` },
    { name: "duplicated quantity key, last negative", body: `{"items":[{"sku":"${sku}","quantity":1,"quantity":-1}]}` },
    { name: "unknown field", body: `{"items":[{"sku":"${sku}","quantity":1,"price":0}]}` },
    { name: "__proto__ pollution", body: `{"__proto__":{"admin":true},"items":[{"sku":"${sku}","quantity":-1}]}` },
    { name: "queueToken of wrong type", body: `{"items":[{"sku":"${sku}","quantity":-1}],"queueToken":{}}` },
    { name: "email and name of wrong types", body: JSON.stringify({ email: 42, name: [] }) },
    { name: "email not an email", body: JSON.stringify({ email: `a${NUL}b` }) },
    { name: "deep array nesting (10,000)", body: deepArray },
    { name: "deep object nesting (10,000)", body: deepObject },
    { name: "lone surrogate", body: '{"items":[{"sku":"\\ud800","quantity":1}]}' },
    { name: "invalid UTF-8 bytes", body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    { name: "1 MB body", body: JSON.stringify({ items: [{ sku, quantity: -1 }], pad: "x".repeat(1024 * 1024) }) },
    { name: "text/plain content type", body: item(-1), contentType: "text/plain" },
    { name: "form content type", body: "items=1", contentType: "application/x-www-form-urlencoded" },
    { name: "multipart content type", body: "--x\r\n\r\n--x--", contentType: "multipart/form-data; boundary=x" },
    { name: "XML content type", body: "<items/>", contentType: "application/xml" },
  ];
}

/** Ids with unicode, NUL, separators and sheer length, as they appear in a path. */
const hostileIds = [
  "%00",
  "r_%00%00%00%00%00%00%00%00",
  encodeURIComponent("r_💥💥💥💥💥💥💥💥"),
  encodeURIComponent("ТОВАР"),
  "..%2F..%2Fetc%2Fpasswd",
  encodeURIComponent("r_abcdefgh' OR '1'='1"),
  "x".repeat(2000),
  "-1",
  "0",
  "1.5",
  "null",
];

/** Percent-encodings that do not decode: Next.js answers 500 before any handler runs (known, not ours). */
const undecodableIds = ["%E0%A4%A", "%FF%FE"];

async function expectClientError(res: APIResponse, what: string): Promise<void> {
  const status = res.status();
  expect(status, `${what}: status ${status}`).toBeGreaterThanOrEqual(400);
  expect(status, `${what}: status ${status} ${(await res.text()).slice(0, 200)}`).toBeLessThan(500);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: ${status} with a body that is not JSON: ${text.slice(0, 120)}`);
  }
  expect(body, what).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
}

/** A context of its own (fresh session and address); the rate limits count per session and per address. */
async function shopper(baseURL: string | undefined): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": ownAddress() } });
}

async function createSku(api: APIRequestContext, onHand: number): Promise<string> {
  const sku = `FUZZ-${unique()}`;
  const res = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: { authorization: `Bearer ${token()}` },
    data: { product: { slug: `fuzz-${sku.toLowerCase()}`, name: `Fuzz probe ${sku}` }, priceCents: 900, onHand },
  });
  expect(res.status(), await res.text()).toBe(201);
  return sku;
}

async function level(api: APIRequestContext, sku: string) {
  const res = await api.get(`/api/v1/inventory/${sku}`);
  expect(res.status()).toBe(200);
  const { onHand, reserved, version } = await res.json();
  return { onHand, reserved, version };
}

test.describe("fuzz: public HTTP routes", () => {
  test.describe.configure({ timeout: 180_000 });

  test("hostile bodies, ids and content types are 4xx with a code and move no stock", async ({ request, baseURL }) => {
    const probe = await createSku(request, 5);
    const held = await createSku(request, 5);
    const owner = await shopper(baseURL);
    const hold = await owner.post("/api/v1/reservations", { data: { items: [{ sku: held, quantity: 1 }] } });
    expect(hold.status(), await hold.text()).toBe(201);
    const holdId: string = (await hold.json()).id;
    const ticket = `t_${"A".repeat(24)}`;

    const before = { probe: await level(request, probe), held: await level(request, held) };
    const cases = bodyCases(probe);
    const secret = process.env.WEBHOOK_SECRET ?? "";
    let sent = 0;

    const check = async (label: string, call: () => Promise<APIResponse>) => {
      sent++;
      await expectClientError(await call(), label);
    };

    // POST bodies: reservations (a fresh session every 25 cases, i.e. 50 holds: the per-session limit is 60/min),
    // checkout/release/extend of the owner's own hold and of a foreign one, queue join, webhooks.
    let api = await shopper(baseURL);
    for (const [i, c] of cases.entries()) {
      if (i > 0 && i % 25 === 0) {
        await api.dispose();
        api = await shopper(baseURL);
      }
      const headers = { "content-type": c.contentType ?? "application/json" };
      await check(`POST /reservations ${c.name}`, () => api.post("/api/v1/reservations", { headers, data: c.body }));
      await check(`POST /reservations (idempotency key) ${c.name}`, () =>
        api.post("/api/v1/reservations", { headers: { ...headers, "idempotency-key": `fuzz-${i}` }, data: c.body }),
      );
      // The owner's own hold: every body but "{}", which is a valid checkout.
      if (c.body !== "{}")
        await check(`POST own checkout ${c.name}`, () => owner.post(`/api/v1/reservations/${holdId}/checkout`, { headers, data: c.body }));
      await check(`POST foreign release ${c.name}`, () => api.post(`/api/v1/reservations/${holdId}/release`, { headers, data: c.body }));
      await check(`POST foreign extend ${c.name}`, () => api.post(`/api/v1/reservations/${holdId}/extend`, { headers, data: c.body }));
      await check(`POST webhook unsigned ${c.name}`, () => api.post("/api/v1/webhooks/channels/fuzz", { headers, data: c.body }));
      if (secret && c.body.length <= 64 * 1024) {
        const signature = `sha256=${createHmac("sha256", secret).update(c.body).digest("hex")}`;
        await check(`POST webhook signed ${c.name}`, () =>
          api.post("/api/v1/webhooks/channels/fuzz", { headers: { ...headers, "x-stockwire-signature": signature }, data: c.body }),
        );
      }
    }
    await api.dispose();

    // Signed channel events that parse but must be refused (the probe's stock must not move).
    if (secret) {
      // Each with an event id of its own: a repeated id is answered 200 "duplicate" by design.
      const base = { sku: probe, occurredAt: new Date().toISOString() };
      const events: Record<string, unknown>[] = [
        { ...base, delta: 0 },
        { ...base, delta: 1.5 },
        { ...base, delta: "1" },
        { ...base, delta: 1e300 },
        { ...base, delta: 1, onHand: -1 },
        { ...base, delta: 1, occurredAt: "yesterday" },
        { ...base, delta: 1, sku: "ТОВАР" },
        { ...base, delta: 1, eventId: "" },
        { ...base, delta: 1, eventId: "x".repeat(201) },
        { ...base, delta: 1, sku: `NOPE-${unique()}` },
        { ...base, delta: -1_000_000_000, sku: probe },
      ];
      const hooks = await shopper(baseURL);
      for (const e of events) {
        const raw = JSON.stringify({ eventId: `fuzz-${unique()}`, ...e });
        const signature = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
        await check(`signed channel event ${raw.slice(0, 100)}`, () =>
          hooks.post("/api/v1/webhooks/channels/fuzz", {
            headers: { "content-type": "application/json", "x-stockwire-signature": signature },
            data: raw,
          }),
        );
      }
      for (const channel of ["%00", encodeURIComponent("канал"), "UPPER", "x".repeat(300)]) {
        await check(`webhook channel ${channel.slice(0, 20)}`, () => hooks.post(`/api/v1/webhooks/channels/${channel}`, { data: "{}" }));
      }
      await hooks.dispose();
    }

    // Hostile ids in every path parameter, on every method the route has.
    const joiner = await shopper(baseURL);
    for (const id of hostileIds) {
      await check(`GET /inventory/${id.slice(0, 20)}`, () => joiner.get(`/api/v1/inventory/${id}`));
      await check(`GET /products/${id.slice(0, 20)}`, () => joiner.get(`/api/v1/products/${id}`));
      await check(`GET /reservations/${id.slice(0, 20)}`, () => joiner.get(`/api/v1/reservations/${id}`));
      for (const action of ["release", "extend", "checkout"]) {
        await check(`POST /reservations/${id.slice(0, 20)}/${action}`, () =>
          joiner.post(`/api/v1/reservations/${id}/${action}`, { data: { email: "a@b.co" } }),
        );
      }
      await check(`GET /sales/${id.slice(0, 20)}`, () => joiner.get(`/api/v1/sales/${id}`));
      await check(`GET /sales/${DEMO_SALE}/queue/${id.slice(0, 20)}`, () => joiner.get(`/api/v1/sales/${DEMO_SALE}/queue/${id}`));
      await check(`DELETE /sales/${DEMO_SALE}/queue/${id.slice(0, 20)}`, () => joiner.delete(`/api/v1/sales/${DEMO_SALE}/queue/${id}`));
      await check(`GET /sales/${id.slice(0, 20)}/queue/ticket`, () => joiner.get(`/api/v1/sales/${id}/queue/${ticket}`));
    }
    // Queue joins with hostile sale ids: a fresh session and address every 8 (the limits are 10 and 30 a minute).
    let queueApi = await shopper(baseURL);
    for (const [i, id] of hostileIds.entries()) {
      if (i > 0 && i % 8 === 0) {
        await queueApi.dispose();
        queueApi = await shopper(baseURL);
      }
      await check(`POST /sales/${id.slice(0, 20)}/queue`, () => queueApi.post(`/api/v1/sales/${id}/queue`, { data: deepArray }));
    }
    await queueApi.dispose();
    // A well-formed ticket of nobody, and methods a route does not have.
    await check("GET unknown ticket", () => joiner.get(`/api/v1/sales/${DEMO_SALE}/queue/${ticket}`));
    await check("DELETE unknown ticket", () => joiner.delete(`/api/v1/sales/${DEMO_SALE}/queue/${ticket}`));
    for (const [method, path] of [
      ["DELETE", "/api/v1/products"],
      ["PUT", "/api/v1/reservations"],
      ["PATCH", `/api/v1/inventory/${probe}`],
      ["GET", `/api/v1/webhooks/channels/fuzz`],
    ] as const) {
      const res = await joiner.fetch(path, { method });
      sent++;
      expect(res.status(), `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status(), `${method} ${path}`).toBeLessThan(500);
    }
    // GET routes with junk query strings and headers.
    for (const path of ["/api/v1/products", `/api/v1/inventory/${probe}`, `/api/v1/sales/${DEMO_SALE}`]) {
      const res = await joiner.get(`${path}?limit=-1&offset=1e400&q=%00&sku[]=x`);
      sent++;
      expect(res.status(), path).toBe(200);
    }
    // Idempotency keys that are not printable ASCII are refused (the body is a valid hold:
    // only the key stops it; an empty key is left out because a client may drop the header).
    const badKeys = ["a b", "é", "x".repeat(256)];
    const keyApi = await shopper(baseURL);
    for (const key of badKeys) {
      await check(`Idempotency-Key ${JSON.stringify(key).slice(0, 20)}`, () =>
        keyApi.post("/api/v1/reservations", { headers: { "idempotency-key": key }, data: { items: [{ sku: probe, quantity: 1 }] } }),
      );
    }
    await keyApi.dispose();
    await joiner.dispose();

    expect(await level(request, probe), "probe SKU unchanged").toEqual(before.probe);
    expect(await level(request, held), "held SKU unchanged (no checkout, release or extend went through)").toEqual(before.held);
    expect((await owner.get(`/api/v1/reservations/${holdId}`)).status()).toBe(200);
    await owner.post(`/api/v1/reservations/${holdId}/release`);
    await owner.dispose();
    console.log(`[fuzz] ${sent} hostile HTTP requests, all answered 4xx`);
  });

  test("NUL and unicode in stored text fields never cause a 5xx", async ({ request, baseURL }) => {
    const sku = await createSku(request, 3);
    const api = await shopper(baseURL);
    const hold = await api.post("/api/v1/reservations", { data: { items: [{ sku, quantity: 1 }] } });
    expect(hold.status()).toBe(201);
    const res = await api.post(`/api/v1/reservations/${(await hold.json()).id}/checkout`, {
      data: { email: "ada@example.com", name: `Ada${NUL} 💥 Ω` },
    });
    expect(res.status(), await res.text()).toBeLessThan(500);
    await api.dispose();
  });

  test("a signed channel event whose eventId contains NUL is a 400, not a Postgres error", async ({ baseURL }) => {
    // The global setup sets WEBHOOK_SECRET; without it this test must fail, not skip silently.
    const secret = process.env.WEBHOOK_SECRET;
    expect(secret, "WEBHOOK_SECRET from the global setup").toBeTruthy();
    const api = await shopper(baseURL);
    const raw = JSON.stringify({
      eventId: `nul${NUL}${unique()}`,
      sku: `NOPE-${unique()}`,
      delta: 1,
      occurredAt: new Date().toISOString(),
    });
    const signature = `sha256=${createHmac("sha256", secret!).update(raw).digest("hex")}`;
    const hook = await api.post("/api/v1/webhooks/channels/fuzz", {
      headers: { "content-type": "application/json", "x-stockwire-signature": signature },
      data: raw,
    });
    await expectClientError(hook, "signed channel event with NUL in eventId");
    await api.dispose();
  });

  test("undecodable percent-encoding in a path is a 400 (refused in proxy.ts before routing)", async ({ baseURL }) => {
    const api = await shopper(baseURL);
    for (const id of undecodableIds) {
      await expectClientError(await api.get(`/api/v1/inventory/${id}`), `GET /inventory/${id}`);
    }
    await api.dispose();
  });
});

type Ack = { ok: boolean; error?: { code: string; message: string } };

function connect(baseURL: string): Promise<Socket> {
  const url = process.env.STOCKWIRE_REALTIME_URL;
  if (!url) throw new Error("STOCKWIRE_REALTIME_URL is set by the global setup");
  const socket = io(url, { transports: ["websocket"], extraHeaders: { origin: baseURL }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

function emitWithAck(socket: Socket, event: string, ...args: unknown[]): Promise<Ack> {
  return socket.timeout(5_000).emitWithAck(event, ...args) as Promise<Ack>;
}

test.describe("fuzz: socket events", () => {
  test("garbage payloads get {ok:false} acks, the socket stays up and a valid subscribe still works", async ({ request, baseURL }) => {
    const probe = await createSku(request, 4);
    const before = await level(request, probe);
    const socket = await connect(baseURL!);
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      "SKU",
      true,
      [],
      [probe],
      {},
      { skus: null },
      { skus: "A" },
      { skus: [null] },
      { skus: [42] },
      { skus: [{}] },
      { skus: ["lower"] },
      { skus: [`${probe}${NUL}`] },
      { skus: ["ТОВАР"] },
      { skus: ["A".repeat(100_000)] },
      // Large but under Socket.IO's 1 MB frame limit (beyond it the server closes the socket by design).
      { skus: Array.from({ length: 20_000 }, (_, i) => `S-${i}`) },
      { saleId: null },
      { saleId: 42 },
      { saleId: "UPPER" },
      { saleId: `${DEMO_SALE}${NUL}` },
      { saleId: "x".repeat(10_000) },
      { saleId: DEMO_SALE, ticket: 42 },
      { saleId: DEMO_SALE, ticket: "t_nope" },
      { saleId: DEMO_SALE, ticket: `t_${"💥".repeat(12)}` },
      { saleId: "no-such-sale-anywhere" },
    ];
    const acked = ["subscribe", "queue:watch"];
    let refusals = 0;
    for (const payload of garbage) {
      for (const event of acked) {
        const ack = await emitWithAck(socket, event, payload);
        // A well-formed watch of the real demo sale may succeed; everything else must be refused.
        if (ack.ok) {
          expect(event, JSON.stringify(payload)?.slice(0, 80)).toBe("queue:watch");
          continue;
        }
        refusals++;
        expect(ack, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`).toMatchObject({ ok: false, error: { code: expect.any(String) } });
      }
      // Without an ack, and the events that never ack: nothing may break.
      socket.emit("subscribe", payload);
      socket.emit("queue:watch", payload);
      socket.emit("unsubscribe", payload);
      socket.emit("queue:unwatch", payload);
      socket.emit("unsubscribe", payload, () => {});
    }
    // Extra arguments, a non-function ack and events nobody listens to.
    socket.emit("subscribe", { skus: [probe] }, "not a function", 1, 2, 3);
    socket.emit("no-such-event", { skus: [probe] });
    socket.emit("stock", { sku: probe, available: 1_000_000, version: 1e9 });
    socket.emit("queue:admitted", { saleId: DEMO_SALE, deadline: 0 });
    expect(refusals).toBeGreaterThan(garbage.length);

    expect(socket.connected).toBe(true);
    const ok = await emitWithAck(socket, "subscribe", { skus: [probe] });
    expect(ok).toMatchObject({ ok: true, data: [{ sku: probe, available: before.onHand - before.reserved }] });
    socket.disconnect();

    // The sidecar still answers, on its own health endpoint and on a fresh socket.
    const url = process.env.STOCKWIRE_REALTIME_URL!;
    const health = await request.get(`${url}/health`);
    expect(health.status()).toBe(200);
    const again = await connect(baseURL!);
    expect(await emitWithAck(again, "subscribe", { skus: [probe] })).toMatchObject({ ok: true });
    again.disconnect();
    expect(await level(request, probe)).toEqual(before);
  });
});
