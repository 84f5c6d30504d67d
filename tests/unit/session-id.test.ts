// The shopper session cookie is `<id>.<HMAC>`, issued by the server: a value a client made up
// (unsigned, forged, signed with another key, or a signed id with its id changed) names no
// session, in the signing code, in the function pages and routes read it with, and in proxy.ts,
// which replaces such a cookie with a fresh signed one.
import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetConfigForTests } from "../../lib/core/config";
import { issueSession, newSessionId, SESSION_COOKIE, sessionSecret, signSessionId, verifySessionCookie } from "../../lib/auth/session-id";

const cookieJar = vi.hoisted(() => new Map<string, string>());
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (cookieJar.has(name) ? { name, value: cookieJar.get(name)! } : undefined) }),
}));

const SECRET = "unit-test-session-secret-0123456789";
const savedEnv = { ...process.env };

beforeEach(() => {
  process.env.DATABASE_URL = "postgresql://localhost/unused";
  process.env.REDIS_URL = "redis://localhost:1";
  process.env.SESSION_SECRET = SECRET;
  resetConfigForTests();
  cookieJar.clear();
});

afterEach(() => {
  process.env = { ...savedEnv };
  resetConfigForTests();
});

describe("signing and verifying", () => {
  it("accepts only the cookie the server signed, and gives back the id Redis keys use", async () => {
    const id = newSessionId();
    const cookie = await signSessionId(id, SECRET);
    expect(cookie).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{43}$`));
    expect(await verifySessionCookie(cookie, SECRET)).toBe(id);

    const other = newSessionId();
    const signature = cookie.slice(id.length + 1);
    const lastChar = signature.at(-1) === "A" ? "B" : "A";
    for (const forged of [
      id, // the old format: a bare id of the right shape
      `${id}.`,
      `${other}.${signature}`, // a signature moved onto another id
      `${id}.${signature.slice(0, -1)}${lastChar}`,
      `${id}.${"A".repeat(43)}`,
      await signSessionId(id, "some-other-secret-0123456789"),
      `${cookie}.extra`,
      "",
    ]) {
      expect(await verifySessionCookie(forged, SECRET), forged).toBeNull();
    }
    expect(await verifySessionCookie(undefined, SECRET)).toBeNull();
  });

  it("issues fresh sessions signed with SESSION_SECRET", async () => {
    const a = await issueSession();
    const b = await issueSession();
    expect(a.id).not.toBe(b.id);
    expect(await verifySessionCookie(a.cookie, SECRET)).toBe(a.id);
  });

  it("needs SESSION_SECRET in production; elsewhere a development key stands in", () => {
    delete process.env.SESSION_SECRET;
    Object.assign(process.env, { NODE_ENV: "production" });
    resetConfigForTests();
    expect(() => sessionSecret()).toThrow(/SESSION_SECRET/);
    Object.assign(process.env, { NODE_ENV: "development" });
    resetConfigForTests();
    expect(sessionSecret()).toMatch(/.{16,}/);
    process.env.SESSION_SECRET = "short";
    resetConfigForTests();
    expect(() => sessionSecret()).toThrow(/SESSION_SECRET: must be at least 16 characters/);
  });
});

describe("currentSessionId", () => {
  it("returns the id of a signed cookie and refuses an unsigned or forged one", async () => {
    const { currentSessionId } = await import("../../lib/auth/shopper-session");
    const { id, cookie } = await issueSession();
    cookieJar.set(SESSION_COOKIE, cookie);
    expect(await currentSessionId()).toBe(id);
    for (const value of [id, `${newSessionId()}.${cookie.split(".")[1]}`]) {
      cookieJar.set(SESSION_COOKIE, value);
      await expect(currentSessionId()).rejects.toMatchObject({ code: "unauthorized" });
    }
  });
});

describe("proxy.ts", () => {
  const request = (cookie?: string) =>
    new NextRequest("http://localhost:3000/api/v1/reservations", { method: "POST", headers: cookie ? { cookie } : {} });
  /** The sw_sid value the proxy hands on to the route (Next's request-override headers). */
  const forwardedSession = (res: Response) => /(?:^|;\s*)sw_sid=([^;]*)/.exec(res.headers.get("x-middleware-request-cookie") ?? "")?.[1];

  it("replaces a made-up, forged or missing cookie with a fresh signed session", async () => {
    const { proxy } = await import("../../proxy");
    const stolenSignature = (await issueSession()).cookie.split(".")[1];
    for (const cookie of [undefined, `sw_sid=${newSessionId()}`, `sw_sid=${"a".repeat(22)}.${stolenSignature}`]) {
      const res = await proxy(request(cookie));
      const set = res.cookies.get(SESSION_COOKIE);
      expect(set, String(cookie)).toBeDefined();
      expect(set!.httpOnly).toBe(true);
      const id = await verifySessionCookie(set!.value, SECRET);
      expect(id).not.toBeNull();
      expect(cookie ?? "").not.toContain(id!);
      // The route of this very request sees the new session, not the client's value.
      expect(forwardedSession(res)).toBe(set!.value);
    }
  });

  it("keeps a cookie it signed", async () => {
    const { proxy } = await import("../../proxy");
    const { cookie } = await issueSession();
    const res = await proxy(request(`sw_sid=${cookie}`));
    expect(res.cookies.get(SESSION_COOKIE)).toBeUndefined();
  });
});
