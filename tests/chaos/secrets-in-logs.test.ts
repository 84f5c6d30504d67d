// Secrets never reach the logs (issue 6, "Bad input and attacks"). A whole stack (Redis,
// Postgres, `next start`, sidecar; tests/chaos/harness.ts) starts with distinctive secret
// values; the test then signs in (wrong and right password) in a real Chromium, uses the admin
// token and a staff API token (and a wrong one), sends signed channel webhooks (good, replayed,
// bad signature), has the sidecar deliver an outbound webhook signed with a known secret, joins
// a flash-sale line and holds with the admission token (plus a stolen and a forged one), opens
// sockets with the token and the cookies, makes failing requests, and stops Postgres for a
// moment so the error paths log their errors. Then it stops the stack and reads every line the
// web server and the sidecar wrote (.data/chaos-logs/secrets/*.log) and the harness printed:
// none of the secrets, the password tried, the cookies, the tokens, the admission JWTs or the
// webhook signatures may appear, whole or in part.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../../scripts/stack";
import { freePort } from "../../scripts/services";
import { createSku, report, sleep, startChaosStack, type ChaosStack } from "./harness";
import { socketAttempt } from "../socket-attempt";

const NAME = "secrets";
const LOG_DIR = path.join(ROOT, ".data", "chaos-logs", NAME);
const core = () => randomBytes(12).toString("hex");

// Distinctive values: a recognisable tag plus 24 random hex digits (the part searched for on its own).
const CONFIG = {
  ADMIN_EMAIL: "secrets-admin@stockwire.test",
  ADMIN_PASSWORD: `AdminPw-${core()}`,
  ADMIN_API_TOKEN: `AdminApiToken-${core()}`,
  WEBHOOK_SECRET: `ChannelSecret-${core()}`,
  QUEUE_TOKEN_SECRET: `QueueSecret-${core()}`,
  SESSION_SECRET: `SessionSecret-${core()}`,
};
const OUTBOUND_SECRET = `OutboundSecret-${core()}`;
const WRONG_PASSWORD = `WrongPw-${core()}`;

/** Every value that must not be logged, by what it is. Filled as the test obtains them. */
const secrets = new Map<string, string>([
  ["ADMIN_PASSWORD", CONFIG.ADMIN_PASSWORD],
  ["ADMIN_API_TOKEN", CONFIG.ADMIN_API_TOKEN],
  ["WEBHOOK_SECRET", CONFIG.WEBHOOK_SECRET],
  ["QUEUE_TOKEN_SECRET", CONFIG.QUEUE_TOKEN_SECRET],
  ["SESSION_SECRET", CONFIG.SESSION_SECRET],
  ["outbound webhook secret", OUTBOUND_SECRET],
  ["wrong password tried", WRONG_PASSWORD],
]);
const keep = (what: string, value: string | undefined) => {
  expect(value, `${what} was obtained`).toBeTruthy();
  secrets.set(what, value!);
};

let stack: ChaosStack | undefined;
let browser: Browser | undefined;
let receiver: Server | undefined;
const harnessLines: string[] = [];

beforeAll(async () => {
  // The harness prints progress through console.log: keep a copy of those lines too.
  const original = console.log;
  console.log = (...args: unknown[]) => {
    harnessLines.push(args.map(String).join(" "));
    original(...args);
  };
  try {
    stack = await startChaosStack(NAME, { ...CONFIG });
  } finally {
    console.log = original;
  }
});

afterAll(async () => {
  await browser?.close();
  if (receiver?.listening) await new Promise<void>((r) => receiver!.close(() => r()));
  await stack?.close();
});

/** A caller with its own cookie jar (shopper session, staff session) and client address. */
class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly address: string,
    private readonly headers: Record<string, string> = {},
  ) {}
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read field by field in the assertions
  async call(method: string, pathname: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { "x-forwarded-for": this.address, ...this.headers, ...extra };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let payload: string | undefined;
    if (typeof body === "string") payload = body;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    const res = await fetch(`${this.base}${pathname}`, {
      method,
      headers,
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(15_000),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }
}

function startReceiver(port: number, hits: { id: string; signature: string; body: string }[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const id = String(req.headers["x-stockwire-delivery"]);
      hits.push({ id, signature: String(req.headers["x-stockwire-signature"]), body });
      // The first attempt of each delivery fails, so the sidecar's retry path runs (and logs) too.
      res.writeHead(hits.filter((h) => h.id === id).length === 1 ? 503 : 204).end();
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** Where a value shows up in a text: whole, URL-encoded, or any 16-character piece of its start, end or random core. */
function findLeaks(value: string, text: string): string[] {
  // As written, URL-encoded, and as it would read inside a JSON log line (quotes and backslashes escaped).
  const needles = new Set<string>([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  if (value.length >= 24) {
    needles.add(value.slice(0, 16));
    needles.add(value.slice(-16));
  }
  const hex = /[0-9a-f]{24}$/.exec(value)?.[0];
  if (hex) needles.add(hex.slice(0, 16));
  return [...needles].filter((n) => text.includes(n));
}

it("no secret, password, cookie, token, admission JWT or signature reaches any log", { timeout: 120_000 }, async () => {
  const s = stack!;
  const started = Date.now();
  const own = new URL(s.baseUrl).origin;
  const adminApi = new Client(s.baseUrl, "10.66.0.1", { authorization: `Bearer ${CONFIG.ADMIN_API_TOKEN}` });

  // --- back-office sign-in in a real browser: a wrong password, then the right one ---------
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
  const context = await browser.newContext({ baseURL: s.baseUrl });
  const page = await context.newPage();
  await page.goto("/admin/login");
  await page.getByTestId("login-email").fill(CONFIG.ADMIN_EMAIL);
  await page.getByTestId("login-password").fill(WRONG_PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("login-error").waitFor();
  await page.getByTestId("login-password").fill(CONFIG.ADMIN_PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(/\/admin$/);
  await page.goto("/admin/users"); // the console opens the /admin socket with the session cookie
  await page.getByTestId("users-table").waitFor();
  const staffCookie = (await context.cookies()).find((c) => c.name === "sw_staff")?.value;
  keep("staff session cookie", staffCookie);
  const shopperCookieOfBrowser = (await context.cookies()).find((c) => c.name === "sw_sid")?.value;
  keep("browser's shopper session cookie", shopperCookieOfBrowser);
  const staff = new Client(s.baseUrl, "10.66.0.2");
  staff.cookies.set("sw_staff", staffCookie!);
  expect((await staff.call("GET", "/api/v1/admin/users")).status).toBe(200);
  expect((await staff.call("POST", "/api/v1/admin/reconciliation", {}, { origin: "https://evil.example" })).status).toBe(403);

  // --- API tokens: the env token, a staff API token, a wrong one ------------------------------
  const created = await adminApi.call("POST", "/api/v1/admin/tokens", { name: "secrets-test", role: "merchandiser" });
  expect(created.status).toBe(201);
  keep("staff API token", created.body.token);
  const merch = new Client(s.baseUrl, "10.66.0.3", { authorization: `Bearer ${created.body.token}` });
  expect((await merch.call("GET", "/api/v1/admin/sales")).status).toBe(200);
  const wrongToken = `swt_${randomBytes(32).toString("base64url")}`;
  keep("wrong API token tried", wrongToken);
  expect(
    (await new Client(s.baseUrl, "10.66.0.4", { authorization: `Bearer ${wrongToken}` }).call("GET", "/api/v1/admin/sales")).status,
  ).toBe(403);
  expect(await socketAttempt(`${s.realtimeUrl}/admin`, { origin: own, auth: { token: CONFIG.ADMIN_API_TOKEN } })).toBe("connected");
  expect(await socketAttempt(`${s.realtimeUrl}/admin`, { origin: own, auth: { token: created.body.token } })).toBe("connected");
  expect(await socketAttempt(`${s.realtimeUrl}/admin`, { origin: own, auth: { token: wrongToken } })).toBe("unauthorized");
  expect(await socketAttempt(`${s.realtimeUrl}/admin`, { origin: own, cookie: `sw_staff=${staffCookie}` })).toBe("connected");

  // --- inbound channel webhooks: signed, replayed, wrong signature ----------------------------
  const sku = await createSku(s, "SEC", 50);
  const channel = new Client(s.baseUrl, "10.66.0.5");
  const event = JSON.stringify({ eventId: `sec-${core()}`, sku, delta: -2, occurredAt: new Date().toISOString() });
  const signature = createHmac("sha256", CONFIG.WEBHOOK_SECRET).update(event).digest("hex");
  keep("inbound webhook signature", signature);
  const sigHeader = { "x-stockwire-signature": `sha256=${signature}` };
  expect((await channel.call("POST", "/api/v1/webhooks/channels/market", event, sigHeader)).body.status).toBe("applied");
  expect((await channel.call("POST", "/api/v1/webhooks/channels/market", event, sigHeader)).body.status).toBe("duplicate");
  const badSignature = createHmac("sha256", `${CONFIG.WEBHOOK_SECRET}x`).update(event).digest("hex");
  keep("wrong webhook signature", badSignature);
  expect((await channel.call("POST", "/api/v1/webhooks/channels/market", event.replace("-2", "-20"), sigHeader)).status).toBe(401);
  expect((await channel.call("POST", "/api/v1/webhooks/channels/market", event, { "x-stockwire-signature": badSignature })).status).toBe(
    401,
  );

  // --- an outbound webhook signed with a known secret, failing once, then delivered ----------
  const hits: { id: string; signature: string; body: string }[] = [];
  const port = await freePort();
  receiver = await startReceiver(port, hits);
  const sub = await adminApi.call("POST", "/api/v1/admin/webhooks", {
    url: `http://127.0.0.1:${port}/hook`,
    events: "all",
    secret: OUTBOUND_SECRET,
  });
  expect(sub.status).toBe(201);
  expect((await adminApi.call("POST", `/api/v1/admin/inventory/${sku}/adjust`, { delta: 5, reason: "received" })).status).toBe(200);
  const deadline = Date.now() + 20_000;
  while (!hits.some((h, i) => hits.findIndex((x) => x.id === h.id) < i) && Date.now() < deadline) await sleep(100);
  const delivered = hits.find((h, i) => hits.findIndex((x) => x.id === h.id) < i);
  expect(delivered, "a delivery was retried after its 503").toBeDefined();
  expect(delivered!.signature).toBe(`sha256=${createHmac("sha256", OUTBOUND_SECRET).update(delivered!.body).digest("hex")}`);
  keep("outbound webhook signature", delivered!.signature.slice("sha256=".length));

  // --- flash sale: join, admission token, hold; a stolen and a forged token -------------------
  const saleSku = await createSku(s, "SECSALE", 5);
  const saleId = `secrets-${core().slice(0, 8)}`;
  const sale = await adminApi.call("POST", "/api/v1/admin/sales", {
    id: saleId,
    name: "Secrets drop",
    startsAt: new Date(Date.now() - 1000).toISOString(),
    admissionRate: 50,
    perShopperLimit: 1,
    skus: [saleSku],
  });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  const buyer = new Client(s.baseUrl, "10.66.0.6");
  const joined = await buyer.call("POST", `/api/v1/sales/${saleId}/queue`);
  expect([200, 201]).toContain(joined.status);
  const ticket: string = joined.body.ticket;
  keep("buyer's shopper session cookie", buyer.cookies.get("sw_sid"));
  keep("queue ticket", ticket);
  let token = "";
  for (const until = Date.now() + 15_000; !token && Date.now() < until; await sleep(200)) {
    token = (await buyer.call("GET", `/api/v1/sales/${saleId}/queue/${ticket}`)).body.token ?? "";
  }
  keep("admission token", token);
  keep("admission token signature", token.split(".")[2]);
  expect(await socketAttempt(s.realtimeUrl, { origin: own, cookie: `sw_sid=${buyer.cookies.get("sw_sid")}` })).toBe("connected");
  const hold = await buyer.call(
    "POST",
    "/api/v1/reservations",
    { items: [{ sku: saleSku, quantity: 1 }], queueToken: token },
    { "idempotency-key": "secrets-1" },
  );
  expect(hold.status, JSON.stringify(hold.body)).toBe(201);
  const thief = new Client(s.baseUrl, "10.66.0.7");
  expect(
    (await thief.call("POST", "/api/v1/reservations", { items: [{ sku: saleSku, quantity: 1 }], queueToken: token })).body.error.code,
  ).toBe("queue_token_invalid");
  keep("thief's shopper session cookie", thief.cookies.get("sw_sid"));
  const [header, payload] = token.split(".");
  const forged = `${header}.${payload}.${createHmac("sha256", "not-the-queue-secret").update(`${header}.${payload}`).digest("base64url")}`;
  keep("forged admission token", forged);
  expect((await buyer.call("POST", "/api/v1/reservations", { items: [{ sku: saleSku, quantity: 1 }], queueToken: forged })).status).toBe(
    403,
  );

  // --- failing requests ----------------------------------------------------------------------
  const stranger = new Client(s.baseUrl, "10.66.0.8");
  expect((await stranger.call("POST", "/api/v1/reservations", "{not json")).status).toBe(400);
  expect((await stranger.call("POST", "/api/v1/reservations", { items: [{ sku: "NOPE-SECRETS", quantity: 1 }] })).status).toBe(404);
  expect((await stranger.call("POST", `/api/v1/reservations/${hold.body.id}/checkout`, { email: "x@example.com", name: "X" })).status).toBe(
    404,
  );
  expect(
    (await stranger.call("POST", "/api/v1/reservations", { items: [{ sku, quantity: 1 }] }, { "idempotency-key": "k".repeat(300) })).status,
  ).toBe(400);
  keep("stranger's shopper session cookie", stranger.cookies.get("sw_sid"));

  // --- Postgres down for a moment: the error paths log their errors ---------------------------
  const cartHold = await stranger.call("POST", "/api/v1/reservations", { items: [{ sku, quantity: 1 }] });
  expect(cartHold.status).toBe(201);
  await s.faults.kill("postgres", "SIGINT");
  try {
    const outageEvent = JSON.stringify({ eventId: `sec-${core()}`, sku, delta: 1, occurredAt: new Date().toISOString() });
    const outageSig = createHmac("sha256", CONFIG.WEBHOOK_SECRET).update(outageEvent).digest("hex");
    keep("webhook signature sent during the outage", outageSig);
    expect(
      (await channel.call("POST", "/api/v1/webhooks/channels/market", outageEvent, { "x-stockwire-signature": outageSig })).status,
    ).toBe(503);
    expect((await merch.call("GET", "/api/v1/admin/sales")).status).toBeGreaterThanOrEqual(500);
    expect(
      (await stranger.call("POST", `/api/v1/reservations/${cartHold.body.id}/checkout`, { email: "x@example.com", name: "X" })).status,
    ).toBe(503);
    // Signing in while the user table cannot be read: the Server Action logs its error.
    const outagePage = await (await browser.newContext({ baseURL: s.baseUrl })).newPage();
    await outagePage.goto("/admin/login");
    await outagePage.getByTestId("login-email").fill(CONFIG.ADMIN_EMAIL);
    await outagePage.getByTestId("login-password").fill(CONFIG.ADMIN_PASSWORD);
    await outagePage.getByTestId("login-submit").click();
    await outagePage.getByTestId("login-error").waitFor();
  } finally {
    await s.faults.restart("postgres");
  }
  const retried = await stranger.call("POST", `/api/v1/reservations/${cartHold.body.id}/checkout`, { email: "x@example.com", name: "X" });
  expect(retried.status, JSON.stringify(retried.body)).toBe(201);
  await page.getByTestId("logout").click();
  await page.waitForURL(/signedOut=1/);
  const exercisedMs = Date.now() - started;

  // --- stop everything, then read every log ------------------------------------------------
  await browser.close();
  browser = undefined;
  await s.close();
  stack = undefined;
  await sleep(500); // the harness's log files are closed as each process exits; let the last writes land
  const files = existsSync(LOG_DIR) ? readdirSync(LOG_DIR).filter((f) => f.endsWith(".log")) : [];
  const logs = new Map<string, string>(files.map((f) => [f, readFileSync(path.join(LOG_DIR, f), "utf8")]));
  logs.set("harness output", harnessLines.join("\n"));
  const web = logs.get("web.log") ?? "";
  const sidecar = logs.get("sidecar.log") ?? "";
  // The logs read are the ones this run wrote, and the paths exercised above did log.
  for (const f of ["web.log", "sidecar.log"]) expect(statSync(path.join(LOG_DIR, f)).mtimeMs).toBeGreaterThan(started);
  expect(sidecar).toContain("realtime gateway on :");
  expect(web).toContain(`[sales] ${saleId}: created by`);
  expect(web).toContain('API token \\"secrets-test\\"'); // inside a JSON line
  // Both processes log JSON lines through the one logger (lib/core/log.ts): each says its level,
  // time, service and component; each API request leaves one line with its id, route template
  // (values as :param), status and duration.
  const jsonLines = (text: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const webLines = jsonLines(web);
  const sidecarLines = jsonLines(sidecar);
  for (const line of [...webLines, ...sidecarLines]) {
    expect(line).toMatchObject({
      level: expect.any(String),
      time: expect.any(String),
      component: expect.any(String),
      msg: expect.any(String),
    });
  }
  expect(sidecarLines.length).toBeGreaterThan(0);
  expect(sidecarLines.every((l) => l.service === "sidecar")).toBe(true);
  expect(webLines.every((l) => l.service === "app")).toBe(true);
  const requests = webLines.filter((l) => l.msg === "request");
  expect(requests.length).toBeGreaterThan(10);
  for (const r of requests) {
    expect(r.requestId).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
    expect(r.route).toMatch(/^\/api\/v1\/[a-z/:.-]*$/);
    expect(typeof r.status).toBe("number");
    expect(typeof r.durationMs).toBe("number");
  }
  expect(webLines.some((l) => l.component === "api" && l.msg === "unexpected error" && typeof l.requestId === "string")).toBe(true);
  expect(web).toContain("[logIn] sign-in failed");
  expect(web).toContain("[checkout] could not write the order");
  // And the search finds what is there: the sale id and the SKU are logged, so they must be found.
  expect(findLeaks(saleId, web)).not.toEqual([]);

  const leaks: string[] = [];
  for (const [what, value] of secrets) {
    for (const [file, text] of logs) {
      for (const needle of findLeaks(value, text)) {
        const at = text.indexOf(needle);
        leaks.push(`${what} in ${file}: …${text.slice(Math.max(0, at - 80), at + needle.length + 40).replace(/\n/g, "⏎")}…`);
      }
    }
  }
  report("secrets-in-logs", {
    exercisedMs,
    files: [...logs.keys()],
    lines: [...logs.values()].reduce((n, t) => n + t.split("\n").length, 0),
    valuesChecked: secrets.size,
    leaks: leaks.length,
  });
  expect(leaks).toEqual([]);
});
