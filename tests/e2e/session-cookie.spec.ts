// The shopper session is the server's to issue: over real HTTP against the started app, a
// made-up or forged `sw_sid` is replaced by a fresh signed one, so an attacker cannot fix a
// session id on a victim's browser and then read (or check out) what the victim put in the cart.
import { expect, test } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const address = () => `198.18.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
const SIGNED = /^[A-Za-z0-9_-]{22,64}\.[A-Za-z0-9_-]{43}$/;

/** One request with exactly this Cookie header (no cookie jar), and the sw_sid it was given back. */
async function send(baseURL: string, method: string, pathname: string, cookie: string | null, body?: unknown) {
  const res = await fetch(`${baseURL}${pathname}`, {
    method,
    headers: {
      "x-forwarded-for": address(),
      ...(cookie ? { cookie: `sw_sid=${cookie}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const issued = res.headers.getSetCookie().find((c) => c.startsWith("sw_sid="));
  return {
    status: res.status,
    json: (await res.json().catch(() => null)) as Record<string, unknown> | null,
    issued: issued?.split(";")[0]?.slice("sw_sid=".length) ?? null,
  };
}

test("a made-up or forged shopper session cookie is replaced, and fixing one on a victim reveals nothing", async ({ request, baseURL }) => {
  const base = baseURL!;
  const sku = `E2E-SID-${unique()}`;
  const created = await request.put(`/api/v1/admin/skus/${sku}`, {
    headers: { authorization: `Bearer ${process.env.ADMIN_API_TOKEN ?? ""}` },
    data: { product: { slug: `e2e-sid-${sku.toLowerCase()}`, name: `Session ${sku}` }, label: "One size", priceCents: 1900, onHand: 3 },
  });
  expect(created.status(), await created.text()).toBe(201);

  // A first visit is issued a signed session; a value of the right shape that the server did not sign is not a session.
  const first = await send(base, "GET", `/api/v1/inventory/${sku}`, null);
  expect(first.issued).toMatch(SIGNED);
  const madeUp = "attacker-chosen-session-id-0001";
  const forgedSignature = `${madeUp}.${first.issued!.split(".")[1]}`;
  for (const cookie of [madeUp, forgedSignature]) {
    const res = await send(base, "GET", `/api/v1/inventory/${sku}`, cookie);
    expect(res.status).toBe(200);
    expect(res.issued, cookie).toMatch(SIGNED);
    expect(res.issued!.startsWith(`${madeUp}.`)).toBe(false);
  }

  // Session fixation: the victim's browser carries the attacker's id when it places a hold.
  const victim = await send(base, "POST", "/api/v1/reservations", madeUp, { items: [{ sku, quantity: 1 }] });
  expect(victim.status, JSON.stringify(victim.json)).toBe(201);
  expect(victim.issued).toMatch(SIGNED);
  const reservationId = String(victim.json!.id);
  // The attacker, holding the id they chose, cannot see or check out the victim's hold.
  expect((await send(base, "GET", `/api/v1/reservations/${reservationId}`, madeUp)).status).toBe(404);
  expect((await send(base, "POST", `/api/v1/reservations/${reservationId}/checkout`, madeUp, {})).status).toBe(404);
  // The victim's own (server-issued) cookie keeps working and is not replaced.
  const own = await send(base, "GET", `/api/v1/reservations/${reservationId}`, victim.issued);
  expect(own.status).toBe(200);
  expect(own.issued).toBeNull();
});
