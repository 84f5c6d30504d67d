// API tokens for scripts and sales channels: `Authorization: Bearer swt_…`, each with a role.
// Only the SHA-256 of a token is stored; its plaintext is returned once, by createApiToken.
import { randomBytes } from "node:crypto";
import { storableText } from "../shared/validation";
import { DomainError } from "../core/errors";
import type { ApiToken, User } from "../generated/prisma/client";
import { hasRole, toStaffRole, type StaffRole } from "./roles";
import { hashToken } from "./sessions";
import type { AuthDeps } from "./users";

export const API_TOKEN_PREFIX = "swt_";
const TOKEN_PATTERN = /^swt_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is written at most once a minute per token. */
const TOUCH_EVERY_MS = 60_000;

export const apiTokenName = storableText({ max: 80 }).refine((s) => s.length > 0, "Name the token after what uses it.");

export interface ApiTokenInfo {
  id: string;
  name: string;
  role: StaffRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: { id: string; email: string; name: string } | null;
}

function toInfo(row: ApiToken & { createdBy?: User | null }): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: toStaffRole(row.role),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    createdBy: row.createdBy ? { id: row.createdBy.id, email: row.createdBy.email, name: row.createdBy.name } : null,
  };
}

/** Issue a token; `token` is the only copy of the plaintext there will ever be. */
export async function createApiToken(
  deps: AuthDeps,
  input: { name: string; role: StaffRole; createdById?: string | null },
): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await deps.db.apiToken.create({
    data: {
      id: `tok_${randomBytes(9).toString("base64url")}`,
      name: input.name.trim(),
      role: input.role,
      tokenHash: hashToken(token),
      createdById: input.createdById ?? null,
    },
    include: { createdBy: true },
  });
  return { token, info: toInfo(row) };
}

/** Tokens, newest first; revoked ones only when asked for. */
export async function listApiTokens(deps: AuthDeps, opts: { includeRevoked?: boolean } = {}): Promise<ApiTokenInfo[]> {
  const rows = await deps.db.apiToken.findMany({
    where: opts.includeRevoked ? {} : { revokedAt: null },
    orderBy: { createdAt: "desc" },
    include: { createdBy: true },
  });
  return rows.map(toInfo);
}

/** Revoke a token for good (revoking twice keeps the first time). */
export async function revokeApiToken(deps: AuthDeps, id: string): Promise<ApiTokenInfo> {
  await deps.db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await deps.db.apiToken.findUnique({ where: { id }, include: { createdBy: true } });
  if (!row) throw new DomainError("not_found", "No such API token.");
  return toInfo(row);
}

/**
 * Whether a token may still act: not revoked, and its creator (when it had one) is enabled and
 * still holds the token's role. A token is its creator's delegate, so disabling or demoting the
 * creator must end it at once; tokens issued with ADMIN_API_TOKEN have no creator.
 */
export function apiTokenIsLive(row: ApiToken & { createdBy: User | null }): boolean {
  if (row.revokedAt) return false;
  if (!row.createdById) return true;
  const creator = row.createdBy;
  return creator !== null && !creator.disabledAt && hasRole(toStaffRole(creator.role), toStaffRole(row.role));
}

/** The live token a bearer value names (see apiTokenIsLive), or null. */
export async function verifyApiToken(deps: AuthDeps, token: string, now = new Date()): Promise<ApiTokenInfo | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await deps.db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { createdBy: true } });
  if (!row || !apiTokenIsLive(row)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
    await deps.db.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return toInfo(row);
}
