// Signing in: rate limits first (per client address and per email), then the first-admin
// bootstrap, then the password check, then a new session. Every refusal of the credentials
// reads the same, so the form tells nobody which emails have an account.
import { config } from "../config";
import type { Deps } from "../context";
import { DomainError } from "../errors";
import { consume, forgive, loginAddressRule, loginEmailRule } from "../rate-limit";
import { ensureFirstAdmin } from "./bootstrap";
import { createStaffSession, pruneStaffSessions } from "./sessions";
import { authenticateUser, normalizeEmail, type StaffUser } from "./users";

export const WRONG_CREDENTIALS = "That email or password is wrong.";

export interface SignInInput {
  email: string;
  password: string;
  /** Client address (rate limit and session record). */
  address: string;
  userAgent?: string | null;
}

export interface SignedIn {
  user: StaffUser;
  token: string;
  expiresAt: Date;
  maxAgeSeconds: number;
}

let bootstrapped: Promise<unknown> | undefined;

/**
 * Create the first admin at most once per process, on the first sign-in attempt: Next.js has
 * no start-up hook that runs before requests on every deployment target, a start hook would
 * make a database outage stop the app from starting, and the check is only needed where
 * someone signs in. A failure is retried at the next attempt.
 */
export function bootstrapFirstAdmin(deps: Pick<Deps, "db">): Promise<unknown> {
  const cfg = config();
  bootstrapped ??= ensureFirstAdmin(deps, {
    email: cfg.ADMIN_EMAIL,
    password: cfg.ADMIN_PASSWORD,
    generateWhenUnset: cfg.NODE_ENV === "development",
  }).catch((err: unknown) => {
    bootstrapped = undefined;
    throw err;
  });
  return bootstrapped;
}

/** Check credentials and open a session; `invalid_credentials` (401) or `rate_limited` (429) otherwise. */
export async function signIn(deps: Deps, input: SignInInput, opts: { bootstrap?: boolean } = {}): Promise<SignedIn> {
  const email = normalizeEmail(input.email);
  // Both counters move on every attempt, so parallel guesses cannot slip past a check.
  await consume(deps, loginAddressRule(), input.address);
  await consume(deps, loginEmailRule(), email);
  if (opts.bootstrap ?? true) await bootstrapFirstAdmin(deps);
  const user = await authenticateUser(deps, email, input.password);
  if (!user) throw new DomainError("invalid_credentials", WRONG_CREDENTIALS);
  // A successful sign-in clears the email's count (not the address's: one address may try many emails).
  await forgive(deps, loginEmailRule(), email);
  const session = await createStaffSession(deps, user.id, { userAgent: input.userAgent, ip: input.address });
  // Housekeeping at a quiet moment: sign-ins are rare, the delete uses the expiresAt index.
  void pruneStaffSessions(deps).catch((err: unknown) => console.error("[auth] could not prune ended sessions:", err));
  return { user, ...session };
}
