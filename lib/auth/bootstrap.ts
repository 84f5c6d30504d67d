// The first admin. With ADMIN_EMAIL/ADMIN_PASSWORD set, an admin with that email is created
// when none exists (never overwritten: once created, the account is managed in the back
// office). Without them, in development only, an admin is generated into an empty user table
// and its password printed once.
import { randomBytes } from "node:crypto";
import { createUser, normalizeEmail, type AuthDeps } from "./users";
import { logFor } from "../core/log";

const logger = logFor("auth");

export const GENERATED_ADMIN_EMAIL = "admin@stockwire.local";

export interface BootstrapOptions {
  email?: string;
  password?: string;
  /** Generate an admin when no credentials are configured and there is no user at all. */
  generateWhenUnset?: boolean;
  log?: (message: string) => void;
}

export type BootstrapResult = { created: false } | { created: true; email: string; generatedPassword?: string };

/** Make sure the configured first admin exists; safe to call any number of times, from any number of processes. */
export async function ensureFirstAdmin(deps: AuthDeps, opts: BootstrapOptions): Promise<BootstrapResult> {
  const log = opts.log ?? ((message: string) => logger.info(`[auth] ${message}`));
  if (opts.email && opts.password) {
    const email = normalizeEmail(opts.email);
    if (await deps.db.user.findUnique({ where: { email }, select: { id: true } })) return { created: false };
    try {
      await createUser(deps, { email, name: "Administrator", role: "admin", password: opts.password });
    } catch (err) {
      // Another process created it between the look-up and the insert: that is the goal.
      if (err instanceof Error && "code" in err && err.code === "email_taken") return { created: false };
      throw err;
    }
    log(`created the first admin, ${email} (from ADMIN_EMAIL / ADMIN_PASSWORD)`);
    return { created: true, email };
  }
  if (!opts.generateWhenUnset) return { created: false };
  if ((await deps.db.user.count()) > 0) return { created: false };
  const password = randomBytes(12).toString("base64url");
  try {
    await createUser(deps, { email: GENERATED_ADMIN_EMAIL, name: "Administrator", role: "admin", password });
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "email_taken") return { created: false };
    throw err;
  }
  log(`no ADMIN_EMAIL / ADMIN_PASSWORD: created ${GENERATED_ADMIN_EMAIL} with password ${password} (shown only this once)`);
  return { created: true, email: GENERATED_ADMIN_EMAIL, generatedPassword: password };
}
