// Staff accounts: create, list, enable/disable, and check a password at sign-in.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { storableText } from "../shared/validation";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import type { User } from "../generated/prisma/client";
import { dummyHash, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from "./passwords";
import { toStaffRole, type StaffRole } from "./roles";

export type AuthDeps = Pick<Deps, "db">;

export interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  createdAt: Date;
  disabledAt: Date | null;
}

/** Emails compare case-insensitively: they are stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const staffEmail = storableText({ max: 254 }).pipe(z.email("Enter a valid email address.")).transform(normalizeEmail);
export const staffPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);
export const staffName = storableText({ max: 120 }).refine((s) => s.length > 0, "Enter a name.");

export function toStaffUser(row: User): StaffUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: toStaffRole(row.role),
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "P2002";
}

/** Create a staff account; `409 email_taken` when the email already has one. */
export async function createUser(
  deps: AuthDeps,
  input: { email: string; name: string; role: StaffRole; password: string },
): Promise<StaffUser> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await deps.db.user.create({
      data: { id: `u_${randomBytes(12).toString("base64url")}`, email, name: input.name.trim(), role: input.role, passwordHash },
    });
    return toStaffUser(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("email_taken", `${email} already has an account.`);
    throw err;
  }
}

/** Every staff account, admins first, then by name. */
export async function listUsers(deps: AuthDeps): Promise<StaffUser[]> {
  const rows = await deps.db.user.findMany({ orderBy: [{ role: "asc" }, { name: "asc" }, { email: "asc" }] });
  return rows.map(toStaffUser);
}

/**
 * Disable (ending its sessions at once) or enable an account. Nobody disables their own
 * account, and the last enabled admin stays enabled, so the back office can always be managed.
 */
export async function setUserDisabled(
  deps: AuthDeps,
  userId: string,
  disabled: boolean,
  by: { userId: string | null },
): Promise<StaffUser> {
  if (disabled && by.userId === userId) throw new DomainError("forbidden", "You cannot disable your own account.");
  return deps.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new DomainError("not_found", "No such user.");
    if (!disabled) {
      const row = user.disabledAt ? await tx.user.update({ where: { id: userId }, data: { disabledAt: null } }) : user;
      return toStaffUser(row);
    }
    if (user.disabledAt) return toStaffUser(user);
    if (user.role === "admin") {
      // Serialise concurrent "disable an admin" requests so two of them cannot both pass the count.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(727275)`;
      const admins = await tx.user.count({ where: { role: "admin", disabledAt: null } });
      if (admins <= 1) throw new DomainError("last_admin", "This is the last enabled admin: enable or create another admin first.");
    }
    const row = await tx.user.update({ where: { id: userId }, data: { disabledAt: new Date() } });
    await tx.staffSession.deleteMany({ where: { userId } });
    return toStaffUser(row);
  });
}

/**
 * The enabled account that this email and password belong to, or null. An unknown email is
 * checked against a dummy hash and a disabled account is checked all the same, so every
 * refusal takes as long as a real check and the timing tells nothing about who has an account.
 */
export async function authenticateUser(deps: AuthDeps, email: string, password: string): Promise<StaffUser | null> {
  const row = await deps.db.user.findUnique({ where: { email: normalizeEmail(email) } });
  const matches = await verifyPassword(row?.passwordHash ?? (await dummyHash()), password);
  if (!row || !matches || row.disabledAt) return null;
  if (needsRehash(row.passwordHash)) {
    const passwordHash = await hashPassword(password);
    await deps.db.user.update({ where: { id: row.id }, data: { passwordHash } }).catch(() => {});
  }
  return toStaffUser(row);
}
