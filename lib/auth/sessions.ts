// Staff sessions: a random 32-byte token in an httpOnly cookie; Postgres keeps only its
// SHA-256, with a 12-hour expiry that slides while the session is used and a hard limit of
// seven days after sign-in.
import { createHash, randomBytes } from "node:crypto";
import type { AuthDeps, StaffUser } from "./users";
import { toStaffUser } from "./users";

export const STAFF_COOKIE = "sw_staff";
/** A session unused for this long has ended. */
export const STAFF_SESSION_IDLE_SECONDS = 12 * 3600;
/** However much it is used, a session ends this long after sign-in (also the cookie's Max-Age). */
export const STAFF_SESSION_MAX_SECONDS = 7 * 24 * 3600;
/** The expiry slides at most once a minute, so a busy screen does not write on every request. */
const SLIDE_EVERY_MS = 60_000;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface StaffSessionInfo {
  id: string;
  user: StaffUser;
  createdAt: Date;
  expiresAt: Date;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Start a session for a user; the token goes in the cookie and nowhere else. */
export async function createStaffSession(
  deps: AuthDeps,
  userId: string,
  meta: { userAgent?: string | null; ip?: string | null; now?: Date } = {},
): Promise<{ token: string; expiresAt: Date; maxAgeSeconds: number }> {
  const token = randomBytes(32).toString("base64url");
  const now = meta.now ?? new Date();
  const expiresAt = new Date(now.getTime() + STAFF_SESSION_IDLE_SECONDS * 1000);
  await deps.db.staffSession.create({
    data: {
      id: hashToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      userAgent: meta.userAgent?.slice(0, 400) ?? null,
      ip: meta.ip?.slice(0, 64) ?? null,
    },
  });
  return { token, expiresAt, maxAgeSeconds: STAFF_SESSION_MAX_SECONDS };
}

/**
 * The live session a cookie token names, with its (enabled) user, or null. Using a session
 * pushes its expiry 12 hours past now.
 */
export async function verifyStaffSession(
  deps: AuthDeps,
  token: string | null | undefined,
  now = new Date(),
): Promise<StaffSessionInfo | null> {
  if (!token || !TOKEN_PATTERN.test(token)) return null;
  const id = hashToken(token);
  const row = await deps.db.staffSession.findUnique({ where: { id }, include: { user: true } });
  if (!row) return null;
  const hardLimit = sessionHardLimit(row);
  if (!sessionTimeLeft(row, now)) {
    await deps.db.staffSession.deleteMany({ where: { id } });
    return null;
  }
  if (row.user.disabledAt) return null;
  let expiresAt = row.expiresAt;
  if (now.getTime() - row.lastSeenAt.getTime() >= SLIDE_EVERY_MS) {
    expiresAt = new Date(Math.min(now.getTime() + STAFF_SESSION_IDLE_SECONDS * 1000, hardLimit));
    await deps.db.staffSession.updateMany({ where: { id }, data: { lastSeenAt: now, expiresAt } });
  }
  return { id, user: toStaffUser(row.user), createdAt: row.createdAt, expiresAt };
}

function sessionHardLimit(row: { createdAt: Date }): number {
  return row.createdAt.getTime() + STAFF_SESSION_MAX_SECONDS * 1000;
}

/** Whether a session row has neither idled out nor passed its hard limit. */
export function sessionTimeLeft(row: { createdAt: Date; expiresAt: Date }, now: Date): boolean {
  return row.expiresAt > now && sessionHardLimit(row) > now.getTime();
}

/** The id a session is stored under (the token's hash), or null for a malformed token. */
export function staffSessionId(token: string | null | undefined): string | null {
  return token && TOKEN_PATTERN.test(token) ? hashToken(token) : null;
}

/** End the session a cookie token names (logout); unknown tokens are ignored. */
export async function revokeStaffSession(deps: AuthDeps, token: string | null | undefined): Promise<void> {
  if (!token || !TOKEN_PATTERN.test(token)) return;
  await deps.db.staffSession.deleteMany({ where: { id: hashToken(token) } });
}

/**
 * Forget sessions that have ended without being presented again (verification refuses them
 * anyway). The sliding expiry never passes the hard limit, so `expiresAt` alone says it.
 */
export async function pruneStaffSessions(deps: AuthDeps, now = new Date()): Promise<number> {
  const { count } = await deps.db.staffSession.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/** Whether the request reached us over TLS: directly, or through a proxy that says so. */
export function cameOverHttps(headers: Headers, url?: string): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  if (!url) return false;
  try {
    return new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}

/** Attributes of the staff cookie: httpOnly, SameSite=Lax, Secure when served over TLS. */
export function staffCookie(token: string, secure: boolean, maxAgeSeconds = STAFF_SESSION_MAX_SECONDS) {
  return { name: STAFF_COOKIE, value: token, httpOnly: true, sameSite: "lax" as const, secure, path: "/", maxAge: maxAgeSeconds };
}

/** One cookie's value from a Cookie header (the socket handshake has no cookie parser). */
export function cookieFromHeader(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}
