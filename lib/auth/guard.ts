// One gate for every admin route, page, Server Action and socket: who is asking, and may they?
// Credentials, in order: `Authorization: Bearer <ADMIN_API_TOKEN>` (acts as admin), a Bearer
// API token from the ApiToken table (its role), the staff session cookie (its user's role).
import { createHash, timingSafeEqual } from "node:crypto";
import { config } from "../core/config";
import { db } from "../core/db";
import { DomainError } from "../core/errors";
import { apiTokenIsLive, verifyApiToken } from "./api-tokens";
import { hasRole, toStaffRole, type StaffRole } from "./roles";
import { cookieFromHeader, sessionTimeLeft, STAFF_COOKIE, staffSessionId, verifyStaffSession } from "./sessions";
import type { AuthDeps } from "./users";

export interface StaffPrincipal {
  /** How the caller proved who they are. */
  kind: "session" | "api-token" | "admin-token";
  /** The user's id, the API token's id, or "admin-api-token". */
  id: string;
  name: string;
  email: string | null;
  role: StaffRole;
  /** Who did it, as stock events and logs record it. */
  actor: string;
  /** When a session ends unless it is used again; null for tokens. */
  expiresAt: Date | null;
}

export interface StaffAuthOptions {
  deps?: AuthDeps;
  /** Defaults to the configured ADMIN_API_TOKEN. */
  adminApiToken?: string;
}

/** What `cookies()` from next/headers returns, or anything with the same `get`. */
export interface CookieReader {
  get(name: string): { value: string } | undefined;
}

export type StaffCheck = { ok: true; staff: StaffPrincipal } | { ok: false; reason: "anonymous" | "invalid_token" | "session_ended" };

/** Identify the caller from a bearer value and/or a session cookie value, without judging the role. */
export async function identifyStaff(
  credentials: { bearer?: string | null; sessionToken?: string | null },
  opts: StaffAuthOptions = {},
): Promise<StaffCheck> {
  const deps = opts.deps ?? { db: db() };
  const adminApiToken = "adminApiToken" in opts ? opts.adminApiToken : config().ADMIN_API_TOKEN;
  const bearer = credentials.bearer?.trim();
  if (bearer) {
    if (adminApiToken && sameSecret(bearer, adminApiToken)) {
      return {
        ok: true,
        staff: {
          kind: "admin-token",
          id: "admin-api-token",
          name: "ADMIN_API_TOKEN",
          email: null,
          role: "admin",
          actor: "api-token",
          expiresAt: null,
        },
      };
    }
    const token = await verifyApiToken(deps, bearer);
    if (!token) return { ok: false, reason: "invalid_token" };
    return {
      ok: true,
      staff: {
        kind: "api-token",
        id: token.id,
        name: token.name,
        email: null,
        role: token.role,
        actor: `token:${token.name}`,
        expiresAt: null,
      },
    };
  }
  if (credentials.sessionToken) {
    const session = await verifyStaffSession(deps, credentials.sessionToken);
    if (!session) return { ok: false, reason: "session_ended" };
    const { user } = session;
    return {
      ok: true,
      staff: {
        kind: "session",
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        actor: user.email,
        expiresAt: session.expiresAt,
      },
    };
  }
  return { ok: false, reason: "anonymous" };
}

/**
 * The caller, if they may act as `minimumRole`. Anonymous (or an ended session) → 401
 * `unauthorized`; a token that is not valid, a role too low, or a cookie-authenticated write
 * from another origin → 403 `forbidden`. Takes a Route Handler's request, or the cookie store
 * of a page or Server Action.
 */
export async function requireStaff(
  source: Request | CookieReader,
  minimumRole: StaffRole,
  opts: StaffAuthOptions = {},
): Promise<StaffPrincipal> {
  const request = isRequest(source) ? source : null;
  const credentials = isRequest(source)
    ? { bearer: bearerToken(source.headers), sessionToken: cookieFromHeader(source.headers.get("cookie"), STAFF_COOKIE) }
    : { sessionToken: source.get(STAFF_COOKIE)?.value ?? null };
  const check = await identifyStaff(credentials, opts);
  if (!check.ok) {
    if (check.reason === "invalid_token") throw new DomainError("forbidden", "This API token is not valid (unknown or revoked).");
    if (check.reason === "session_ended") throw new DomainError("unauthorized", "Your session has ended: sign in again.");
    throw new DomainError("unauthorized", "Sign in to the back office, or send Authorization: Bearer <token>.");
  }
  const { staff } = check;
  // Browsers attach the cookie to cross-site requests in some cases (same site, other port or
  // subdomain); a write carrying it must come from our own pages. Tokens are never ambient.
  if (request && staff.kind === "session" && !isSafeMethod(request.method) && !sameOrigin(request.headers)) {
    throw new DomainError("forbidden", "Cross-origin requests cannot use the back-office session.");
  }
  if (!hasRole(staff.role, minimumRole)) {
    throw new DomainError("forbidden", minimumRole === "admin" ? "This needs the admin role." : "Your role does not allow this.");
  }
  return staff;
}

function isRequest(source: Request | CookieReader): source is Request {
  return typeof (source as Request).headers?.get === "function" && typeof (source as Request).method === "string";
}

/** The value of `Authorization: Bearer …`, or null. */
export function bearerToken(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/** No Origin header (curl, server-to-server) or one that matches the host the request was sent to. */
function sameOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (!origin) return true;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  try {
    return host !== null && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Compare secrets in constant time; hashing first hides the length as well. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * For the sidecar's /admin namespace: the handshake's `auth.token` (ADMIN_API_TOKEN or an API
 * token) or else the `sw_staff` cookie the browser sends with it; null when neither may act
 * as `minimumRole`.
 */
export async function staffFromHandshake(
  handshake: { token?: unknown; cookieHeader?: string | null },
  minimumRole: StaffRole,
  opts: StaffAuthOptions = {},
): Promise<StaffPrincipal | null> {
  return (await admitStaffSocket(handshake, minimumRole, opts))?.staff ?? null;
}

/**
 * What an open socket was admitted with, to check again later: the session's stored id (the
 * token's hash) or the API token's id, never the secret itself.
 */
export type StaffGrant = { kind: "admin-token" } | { kind: "api-token"; tokenId: string } | { kind: "session"; sessionId: string };

/** staffFromHandshake, plus the grant that stillGranted re-checks while the socket stays open. */
export async function admitStaffSocket(
  handshake: { token?: unknown; cookieHeader?: string | null },
  minimumRole: StaffRole,
  opts: StaffAuthOptions = {},
): Promise<{ staff: StaffPrincipal; grant: StaffGrant } | null> {
  const bearer = typeof handshake.token === "string" && handshake.token !== "" ? handshake.token : null;
  const sessionToken = bearer ? null : cookieFromHeader(handshake.cookieHeader, STAFF_COOKIE);
  const check = await identifyStaff({ bearer, sessionToken }, opts);
  if (!check.ok || !hasRole(check.staff.role, minimumRole)) return null;
  const { staff } = check;
  if (staff.kind === "admin-token") return { staff, grant: { kind: "admin-token" } };
  if (staff.kind === "api-token") return { staff, grant: { kind: "api-token", tokenId: staff.id } };
  const sessionId = staffSessionId(sessionToken);
  return sessionId ? { staff, grant: { kind: "session", sessionId } } : null;
}

/**
 * For each grant, whether it still lets its holder act as `minimumRole`: the session is not
 * logged out, ended or its user disabled or demoted; the API token is not revoked and its
 * creator still may issue it. At most two queries however many grants; read-only, so checking
 * open sockets neither slides a session's expiry nor touches a token.
 */
export async function stillGranted(
  grants: readonly StaffGrant[],
  minimumRole: StaffRole,
  opts: { deps?: AuthDeps; now?: Date } = {},
): Promise<boolean[]> {
  const deps = opts.deps ?? { db: db() };
  const now = opts.now ?? new Date();
  const sessionIds = [...new Set(grants.flatMap((g) => (g.kind === "session" ? [g.sessionId] : [])))];
  const tokenIds = [...new Set(grants.flatMap((g) => (g.kind === "api-token" ? [g.tokenId] : [])))];
  const [sessions, tokens] = await Promise.all([
    sessionIds.length ? deps.db.staffSession.findMany({ where: { id: { in: sessionIds } }, include: { user: true } }) : [],
    tokenIds.length ? deps.db.apiToken.findMany({ where: { id: { in: tokenIds } }, include: { createdBy: true } }) : [],
  ]);
  const liveSessions = new Set(
    sessions
      .filter((s) => sessionTimeLeft(s, now) && !s.user.disabledAt && hasRole(toStaffRole(s.user.role), minimumRole))
      .map((s) => s.id),
  );
  const liveTokens = new Set(tokens.filter((t) => apiTokenIsLive(t) && hasRole(toStaffRole(t.role), minimumRole)).map((t) => t.id));
  return grants.map((g) =>
    g.kind === "admin-token" ? true : g.kind === "session" ? liveSessions.has(g.sessionId) : liveTokens.has(g.tokenId),
  );
}
