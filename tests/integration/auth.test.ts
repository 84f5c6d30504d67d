// Back-office access against real Postgres and Redis: password hashing, sessions (sliding
// expiry, hard limit, logout), API tokens, the first-admin bootstrap, sign-in rate limits, and
// requireStaff's answer for every kind of caller on a merchandiser route and an admin route.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import {
  authenticateUser,
  createApiToken,
  createStaffSession,
  createUser,
  ensureFirstAdmin,
  hashPassword,
  listApiTokens,
  requireStaff,
  revokeApiToken,
  revokeStaffSession,
  safeNextPath,
  setUserDisabled,
  signIn,
  STAFF_COOKIE,
  STAFF_SESSION_IDLE_SECONDS,
  staffFromHandshake,
  verifyApiToken,
  verifyPassword,
  verifyStaffSession,
  WRONG_CREDENTIALS,
  type StaffRole,
} from "../../lib/auth";
import { hashToken } from "../../lib/auth/sessions";
import { resetConfigForTests } from "../../lib/core/config";
import { testDeps, uid } from "../helpers";

const deps = testDeps();
const ADMIN_API_TOKEN = `admin-token-${uid(16)}`;
const auth = { deps, adminApiToken: ADMIN_API_TOKEN };
const savedEnv = { ...process.env };

beforeAll(() => {
  // signIn reads its rate limits from the configuration: 3 failures per email and address,
  // 15 per address, 30 per email across addresses here.
  process.env.DATABASE_URL = inject("databaseUrl");
  process.env.REDIS_URL = inject("redisUrl");
  process.env.LOGIN_LIMIT_PER_15_MINUTES = "3";
  resetConfigForTests();
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetConfigForTests();
  await deps.close();
});

const email = (tag = "staff") => `${tag}-${uid(10).toLowerCase()}@shop.test`;
const PASSWORD = "correct horse battery";

async function staffMember(role: StaffRole) {
  const user = await createUser(deps, { email: email(role), name: `Test ${role}`, role, password: PASSWORD });
  const session = await createStaffSession(deps, user.id);
  return { user, token: session.token };
}

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (err: { code?: string }) => err.code ?? String(err),
  );
}

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await hashPassword(PASSWORD)).not.toBe(hash); // salted
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD}!`)).toBe(false);
    expect(await verifyPassword("not a hash", PASSWORD)).toBe(false);
  });

  it("stores emails lower-cased and refuses a second account for the same email", async () => {
    const address = email("case");
    const user = await createUser(deps, { email: `  ${address.toUpperCase()} `, name: "Case", role: "merchandiser", password: PASSWORD });
    expect(user.email).toBe(address);
    await expect(createUser(deps, { email: address, name: "Again", role: "admin", password: PASSWORD })).rejects.toMatchObject({
      code: "email_taken",
    });
    expect(await authenticateUser(deps, address.toUpperCase(), PASSWORD)).toMatchObject({ id: user.id });
  });

  it("answers an unknown email after a real hash check, not at once", async () => {
    await authenticateUser(deps, email("nobody"), PASSWORD); // computes the dummy hash once
    const started = performance.now();
    expect(await authenticateUser(deps, email("nobody"), PASSWORD)).toBeNull();
    // A database look-up alone takes about a millisecond; argon2id with 64 MiB about 65 ms here.
    expect(performance.now() - started).toBeGreaterThan(30);
  });

  it("refuses a disabled account even with the right password", async () => {
    const { user } = await staffMember("merchandiser");
    await setUserDisabled(deps, user.id, true, { userId: null });
    expect(await authenticateUser(deps, user.email, PASSWORD)).toBeNull();
    await setUserDisabled(deps, user.id, false, { userId: null });
    expect(await authenticateUser(deps, user.email, PASSWORD)).toMatchObject({ id: user.id });
  });
});

describe("sessions", () => {
  it("keeps only the token's hash and slides the expiry while used", async () => {
    const { user, token } = await staffMember("merchandiser");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await deps.db.staffSession.findUniqueOrThrow({ where: { id: hashToken(token) } });
    expect(row.userId).toBe(user.id);
    expect(await deps.db.staffSession.findUnique({ where: { id: token } })).toBeNull();

    const later = new Date(row.createdAt.getTime() + 3 * 3600 * 1000);
    const seen = await verifyStaffSession(deps, token, later);
    expect(seen?.user.id).toBe(user.id);
    expect(seen?.expiresAt.getTime()).toBe(later.getTime() + STAFF_SESSION_IDLE_SECONDS * 1000);
  });

  it("ends after 12 idle hours, and 7 days after sign-in however much it is used", async () => {
    const idle = await staffMember("merchandiser");
    const row = await deps.db.staffSession.findUniqueOrThrow({ where: { id: hashToken(idle.token) } });
    expect(await verifyStaffSession(deps, idle.token, new Date(row.expiresAt.getTime() + 1000))).toBeNull();
    expect(await deps.db.staffSession.findUnique({ where: { id: hashToken(idle.token) } })).toBeNull();

    const busy = await staffMember("merchandiser");
    const id = hashToken(busy.token);
    const created = (await deps.db.staffSession.findUniqueOrThrow({ where: { id } })).createdAt;
    const eightDaysOn = new Date(created.getTime() + 8 * 24 * 3600 * 1000);
    await deps.db.staffSession.update({ where: { id }, data: { expiresAt: new Date(eightDaysOn.getTime() + 3600_000) } });
    expect(await verifyStaffSession(deps, busy.token, eightDaysOn)).toBeNull();
  });

  it("is revoked by logout and by disabling its user", async () => {
    const first = await staffMember("merchandiser");
    await revokeStaffSession(deps, first.token);
    expect(await verifyStaffSession(deps, first.token)).toBeNull();

    const second = await staffMember("merchandiser");
    await setUserDisabled(deps, second.user.id, true, { userId: null });
    expect(await verifyStaffSession(deps, second.token)).toBeNull();
    expect(await deps.db.staffSession.count({ where: { userId: second.user.id } })).toBe(0);
  });

  it("ignores malformed and unknown tokens", async () => {
    expect(await verifyStaffSession(deps, "short")).toBeNull();
    expect(await verifyStaffSession(deps, "x".repeat(43))).toBeNull();
    expect(await verifyStaffSession(deps, null)).toBeNull();
  });
});

describe("users", () => {
  it("never disables the last enabled admin, nor one's own account", async () => {
    const admin = await staffMember("admin");
    await expect(setUserDisabled(deps, admin.user.id, true, { userId: admin.user.id })).rejects.toMatchObject({ code: "forbidden" });
    // Disable every other admin (other tests' included), then the last one must stay.
    const others = await deps.db.user.findMany({ where: { role: "admin", disabledAt: null, id: { not: admin.user.id } } });
    await deps.db.user.updateMany({ where: { id: { in: others.map((u) => u.id) } }, data: { disabledAt: new Date() } });
    try {
      await expect(setUserDisabled(deps, admin.user.id, true, { userId: null })).rejects.toMatchObject({ code: "last_admin" });
    } finally {
      await deps.db.user.updateMany({ where: { id: { in: others.map((u) => u.id) } }, data: { disabledAt: null } });
    }
  });
});

describe("API tokens", () => {
  it("returns the plaintext once, stores its hash, and acts with its role until revoked", async () => {
    const admin = await staffMember("admin");
    const { token, info } = await createApiToken(deps, { name: `sync-${uid()}`, role: "merchandiser", createdById: admin.user.id });
    expect(token).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
    const row = await deps.db.apiToken.findUniqueOrThrow({ where: { id: info.id } });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));

    expect(await verifyApiToken(deps, token)).toMatchObject({ id: info.id, role: "merchandiser" });
    expect((await deps.db.apiToken.findUniqueOrThrow({ where: { id: info.id } })).lastUsedAt).not.toBeNull();
    expect((await listApiTokens(deps)).map((t) => t.id)).toContain(info.id);

    const revoked = await revokeApiToken(deps, info.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await verifyApiToken(deps, token)).toBeNull();
    expect((await listApiTokens(deps)).map((t) => t.id)).not.toContain(info.id);
    expect((await listApiTokens(deps, { includeRevoked: true })).map((t) => t.id)).toContain(info.id);
    await expect(revokeApiToken(deps, "tok_nosuchtoken")).rejects.toMatchObject({ code: "not_found" });
  });

  it("stops working at once when its creator is disabled, and while its creator lacks its role", async () => {
    await staffMember("admin"); // the last enabled admin cannot be disabled
    const creator = await staffMember("admin");
    const adminToken = await createApiToken(deps, { name: `ops-${uid()}`, role: "admin", createdById: creator.user.id });
    const merchToken = await createApiToken(deps, { name: `sync-${uid()}`, role: "merchandiser", createdById: creator.user.id });
    const request = (token: string) =>
      new Request("http://shop.test/api/v1/admin/users", { headers: { authorization: `Bearer ${token}` } });
    expect(await codeOf(requireStaff(request(adminToken.token), "admin", auth))).toBe("ok");

    await setUserDisabled(deps, creator.user.id, true, { userId: null });
    expect(await verifyApiToken(deps, adminToken.token)).toBeNull();
    expect(await verifyApiToken(deps, merchToken.token)).toBeNull();
    expect(await codeOf(requireStaff(request(adminToken.token), "merchandiser", auth))).toBe("forbidden");
    expect(await staffFromHandshake({ token: merchToken.token }, "merchandiser", auth)).toBeNull();

    // Demoted instead: the admin token is beyond what its creator may now do; the merchandiser one is not.
    await setUserDisabled(deps, creator.user.id, false, { userId: null });
    await deps.db.user.update({ where: { id: creator.user.id }, data: { role: "merchandiser" } });
    expect(await verifyApiToken(deps, adminToken.token)).toBeNull();
    expect(await codeOf(requireStaff(request(adminToken.token), "merchandiser", auth))).toBe("forbidden");
    expect(await verifyApiToken(deps, merchToken.token)).toMatchObject({ id: merchToken.info.id, role: "merchandiser" });

    // Tokens issued with ADMIN_API_TOKEN have no creator to follow.
    const orphan = await createApiToken(deps, { name: `ci-${uid()}`, role: "admin" });
    expect(await verifyApiToken(deps, orphan.token)).toMatchObject({ id: orphan.info.id, role: "admin" });
  });
});

describe("first admin", () => {
  it("is created once from ADMIN_EMAIL / ADMIN_PASSWORD and never overwritten", async () => {
    const address = email("first-admin");
    const log: string[] = [];
    const results = await Promise.all([
      ensureFirstAdmin(deps, { email: address, password: PASSWORD, log: (m) => log.push(m) }),
      ensureFirstAdmin(deps, { email: address, password: PASSWORD, log: (m) => log.push(m) }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(log).toHaveLength(1);
    expect(await ensureFirstAdmin(deps, { email: address.toUpperCase(), password: "another password" })).toEqual({ created: false });
    const users = await deps.db.user.findMany({ where: { email: address } });
    expect(users).toHaveLength(1);
    expect(users[0]!.role).toBe("admin");
    expect(await authenticateUser(deps, address, PASSWORD)).not.toBeNull();
    expect(await authenticateUser(deps, address, "another password")).toBeNull();
  });

  it("generates nobody when unset, or when staff accounts already exist", async () => {
    await staffMember("admin");
    const before = await deps.db.user.count();
    expect(await ensureFirstAdmin(deps, {})).toEqual({ created: false });
    expect(await ensureFirstAdmin(deps, { generateWhenUnset: true, log: () => {} })).toEqual({ created: false });
    expect(await deps.db.user.count()).toBe(before);
  });
});

describe("signing in", () => {
  it("opens a session for the right password and reads the same for a wrong one or an unknown email", async () => {
    const { user } = await staffMember("merchandiser");
    const ok = await signIn(deps, { email: user.email, password: PASSWORD, address: `10.0.${uid(2)}` }, { bootstrap: false });
    expect((await verifyStaffSession(deps, ok.token))?.user.id).toBe(user.id);

    const wrong = signIn(deps, { email: user.email, password: "wrong password", address: `10.1.${uid(2)}` }, { bootstrap: false });
    await expect(wrong).rejects.toMatchObject({ code: "invalid_credentials", message: WRONG_CREDENTIALS });
    const unknown = signIn(deps, { email: email("ghost"), password: PASSWORD, address: `10.2.${uid(2)}` }, { bootstrap: false });
    await expect(unknown).rejects.toMatchObject({ code: "invalid_credentials", message: WRONG_CREDENTIALS });
  });

  const attempt = (who: string, address: string, password = "wrong password") =>
    codeOf(signIn(deps, { email: who, password, address }, { bootstrap: false }));

  it("does not let failures from other addresses lock the right password out", async () => {
    const { user } = await staffMember("merchandiser");
    for (let i = 0; i < 3; i++) expect(await attempt(user.email, `172.16.${i}.1`)).toBe("invalid_credentials");
    // The per-email limit is used up, but by other addresses: the rightful user still signs in.
    expect(await attempt(user.email, "172.16.99.1", PASSWORD)).toBe("ok");
  });

  it("stops guessing per email and address, and per address (429 with a wait)", async () => {
    const { user } = await staffMember("merchandiser");
    const guesser = `172.17.${uid(2)}`;
    for (let i = 0; i < 3; i++) expect(await attempt(user.email, guesser)).toBe("invalid_credentials");
    // Even the right password is refused from there now: guessing must stop.
    const blocked = signIn(deps, { email: user.email, password: PASSWORD, address: guesser }, { bootstrap: false });
    await expect(blocked).rejects.toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: expect.any(Number) } });

    // One address trying many emails: five times the per-email limit.
    const sprayer = `192.0.2.${uid(2)}`;
    const many: string[] = [];
    for (let i = 0; i < 16; i++) many.push(await attempt(email("spray"), sprayer));
    expect(many.slice(0, 15).every((c) => c === "invalid_credentials")).toBe(true);
    expect(many[15]).toBe("rate_limited");
  });

  it("caps guessing spread over many addresses, except from an address the email signed in from", async () => {
    const { user } = await staffMember("merchandiser");
    const home = `203.0.113.${uid(2)}`;
    expect(await attempt(user.email, home, PASSWORD)).toBe("ok");
    // Ten times the limit, one guess from each of 30 addresses.
    const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(user.email, `100.64.${uid(2)}.${i}`)));
    expect(guesses).toEqual(Array(30).fill("invalid_credentials"));
    expect(await attempt(user.email, `100.65.${uid(2)}.1`, PASSWORD)).toBe("rate_limited");
    expect(await attempt(user.email, home, PASSWORD)).toBe("ok");
  });

  it("counts failures only: successes take nothing, parallel guesses cannot slip past", async () => {
    const { user } = await staffMember("merchandiser");
    const office = `198.18.${uid(2)}`;
    // More successes than the per-address limit (15) allows attempts.
    for (let i = 0; i < 16; i++) expect(await attempt(user.email, office, PASSWORD)).toBe("ok");
    const other = await staffMember("merchandiser");
    const parallel = await Promise.all(Array.from({ length: 8 }, () => attempt(other.user.email, office)));
    expect(parallel.filter((c) => c === "invalid_credentials")).toHaveLength(3);
    expect(parallel.filter((c) => c === "rate_limited")).toHaveLength(5);
  });

  it("clears the address's failures for the email after a successful sign-in", async () => {
    const { user } = await staffMember("merchandiser");
    const address = `198.51.${uid(2)}`;
    for (let i = 0; i < 2; i++) expect(await attempt(user.email, address, "nope nope")).toBe("invalid_credentials");
    expect(await attempt(user.email, address, PASSWORD)).toBe("ok");
    for (let i = 0; i < 3; i++) expect(await attempt(user.email, address, "nope nope")).toBe("invalid_credentials");
    expect(await attempt(user.email, address, "nope nope")).toBe("rate_limited");
  });

  it("only sends people back to back-office paths", () => {
    expect(safeNextPath("/admin/users")).toBe("/admin/users");
    expect(safeNextPath("/admin?tab=1")).toBe("/admin?tab=1");
    for (const bad of [
      "https://evil.test/admin",
      "//evil.test",
      "/admin//evil",
      "/administrator",
      "/",
      "/admin/login",
      "/admin\\evil",
      null,
    ]) {
      expect(safeNextPath(bad)).toBe("/admin");
    }
  });
});

describe("requireStaff", () => {
  const BASE = "http://shop.test/api/v1/admin/x";
  type Caller = { name: string; headers: () => Promise<Record<string, string>> };
  let merchandiser: { token: string };
  let admin: { token: string };
  let revokedToken: string;
  let merchandiserToken: string;
  let adminToken: string;

  beforeAll(async () => {
    merchandiser = await staffMember("merchandiser");
    admin = await staffMember("admin");
    const revoked = await createApiToken(deps, { name: `old-${uid()}`, role: "admin" });
    await revokeApiToken(deps, revoked.info.id);
    revokedToken = revoked.token;
    merchandiserToken = (await createApiToken(deps, { name: `m-${uid()}`, role: "merchandiser" })).token;
    adminToken = (await createApiToken(deps, { name: `a-${uid()}`, role: "admin" })).token;
  });

  const callers: Caller[] = [
    { name: "anonymous", headers: async () => ({}) },
    { name: "merchandiser session", headers: async () => ({ cookie: `sw_sid=abc; ${STAFF_COOKIE}=${merchandiser.token}` }) },
    { name: "admin session", headers: async () => ({ cookie: `${STAFF_COOKIE}=${admin.token}` }) },
    { name: "ADMIN_API_TOKEN", headers: async () => ({ authorization: `Bearer ${ADMIN_API_TOKEN}` }) },
    { name: "merchandiser API token", headers: async () => ({ authorization: `Bearer ${merchandiserToken}` }) },
    { name: "admin API token", headers: async () => ({ authorization: `Bearer ${adminToken}` }) },
    { name: "revoked API token", headers: async () => ({ authorization: `Bearer ${revokedToken}` }) },
    { name: "wrong bearer", headers: async () => ({ authorization: "Bearer not-the-token-at-all" }) },
    { name: "ended session", headers: async () => ({ cookie: `${STAFF_COOKIE}=${"A".repeat(43)}` }) },
  ];

  const expected: Record<string, { merchandiser: string; admin: string }> = {
    anonymous: { merchandiser: "unauthorized", admin: "unauthorized" },
    "merchandiser session": { merchandiser: "ok", admin: "forbidden" },
    "admin session": { merchandiser: "ok", admin: "ok" },
    ADMIN_API_TOKEN: { merchandiser: "ok", admin: "ok" },
    "merchandiser API token": { merchandiser: "ok", admin: "forbidden" },
    "admin API token": { merchandiser: "ok", admin: "ok" },
    "revoked API token": { merchandiser: "forbidden", admin: "forbidden" },
    "wrong bearer": { merchandiser: "forbidden", admin: "forbidden" },
    "ended session": { merchandiser: "unauthorized", admin: "unauthorized" },
  };

  it.each(["GET", "POST"])("answers every caller on a merchandiser route and an admin route (%s)", async (method) => {
    const seen: Record<string, { merchandiser: string; admin: string }> = {};
    for (const caller of callers) {
      const headers = await caller.headers();
      const request = () => new Request(BASE, { method, headers: { ...headers, host: "shop.test", origin: "http://shop.test" } });
      seen[caller.name] = {
        merchandiser: await codeOf(requireStaff(request(), "merchandiser", auth)),
        admin: await codeOf(requireStaff(request(), "admin", auth)),
      };
    }
    expect(seen).toEqual(expected);
  });

  it("errors carry a status and a message, and no data", async () => {
    const err = await requireStaff(new Request(BASE), "admin", auth).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "unauthorized", status: 401 });
    expect((err as { toJSON(): unknown }).toJSON()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });

  it("names who acted, for the ledger", async () => {
    const viaCookie = await requireStaff({ get: (n: string) => (n === STAFF_COOKIE ? { value: admin.token } : undefined) }, "admin", auth);
    expect(viaCookie).toMatchObject({ kind: "session", role: "admin", actor: expect.stringContaining("@shop.test") });
    const viaEnv = await requireStaff(new Request(BASE, { headers: { authorization: `Bearer ${ADMIN_API_TOKEN}` } }), "admin", auth);
    expect(viaEnv).toMatchObject({ kind: "admin-token", actor: "api-token" });
  });

  it("refuses a cookie-authenticated write from another origin, but not a token", async () => {
    const cross = { host: "shop.test", origin: "http://evil.test" };
    const cookieWrite = new Request(BASE, { method: "POST", headers: { ...cross, cookie: `${STAFF_COOKIE}=${admin.token}` } });
    await expect(requireStaff(cookieWrite, "merchandiser", auth)).rejects.toMatchObject({ code: "forbidden" });
    const cookieRead = new Request(BASE, { method: "GET", headers: { ...cross, cookie: `${STAFF_COOKIE}=${admin.token}` } });
    await expect(codeOf(requireStaff(cookieRead, "merchandiser", auth))).resolves.toBe("ok");
    const tokenWrite = new Request(BASE, { method: "POST", headers: { ...cross, authorization: `Bearer ${ADMIN_API_TOKEN}` } });
    await expect(codeOf(requireStaff(tokenWrite, "admin", auth))).resolves.toBe("ok");
  });

  it("opens the sidecar's /admin feed for a session cookie or a token, never for a revoked one", async () => {
    const check = (handshake: { token?: unknown; cookieHeader?: string }) =>
      staffFromHandshake(handshake, "merchandiser", auth).then((s) => s?.kind ?? null);
    expect(await check({ cookieHeader: `${STAFF_COOKIE}=${merchandiser.token}` })).toBe("session");
    expect(await check({ token: ADMIN_API_TOKEN })).toBe("admin-token");
    expect(await check({ token: merchandiserToken })).toBe("api-token");
    expect(await check({ token: revokedToken })).toBeNull();
    expect(await check({})).toBeNull();
    expect(await check({ cookieHeader: `${STAFF_COOKIE}=${"B".repeat(43)}` })).toBeNull();
  });
});
