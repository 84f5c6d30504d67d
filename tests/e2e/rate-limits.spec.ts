// Rate limits of the reservation endpoints and the queue join, per session and per address.
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";

const ownAddress = () => `198.19.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

async function untilLimited(send: () => Promise<import("@playwright/test").APIResponse>, max: number) {
  const codes: number[] = [];
  for (let i = 0; i < max; i++) {
    const res = await send();
    codes.push(res.status());
    if (res.status() === 429) return { codes, retryAfter: Number(res.headers()["retry-after"]), body: await res.json() };
  }
  return { codes, retryAfter: NaN, body: null };
}

test.describe("rate limits", () => {
  let api: APIRequestContext;
  test.beforeEach(async ({ baseURL }) => {
    api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": ownAddress() } });
  });
  test.afterEach(async () => api.dispose());

  test("holds are limited per session (60 a minute by default): 429 rate_limited with Retry-After", async () => {
    // Garbage bodies count too: the limit is checked before the body is read.
    const result = await untilLimited(() => api.post("/api/v1/reservations", { data: {} }), 100);
    expect(result.body, `statuses: ${result.codes.join(",")}`).toMatchObject({
      error: { code: "rate_limited", message: expect.any(String) },
    });
    expect(result.codes.length).toBe(61);
    expect(result.codes.slice(0, 60).every((c) => c === 400)).toBe(true);
    expect(result.retryAfter).toBeGreaterThan(0);
    expect(result.retryAfter).toBeLessThanOrEqual(60);
  });

  test("queue joins are limited per session (10 a minute by default)", async () => {
    const result = await untilLimited(() => api.post("/api/v1/sales/no-such-sale-here/queue"), 40);
    expect(result.body, `statuses: ${result.codes.join(",")}`).toMatchObject({ error: { code: "rate_limited" } });
    expect(result.codes.length).toBe(11);
    expect(result.retryAfter).toBeGreaterThan(0);
  });
});
