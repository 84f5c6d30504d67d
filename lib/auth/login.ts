// Signing in: rate limits first (failures per email and address, per address, per email),
// then the first-admin bootstrap, then the password check, then a new session. Every refusal
// of the credentials reads the same, so the form tells nobody which emails have an account.
import { createHash } from "node:crypto";
import { config } from "../core/config";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { consume, forgive, loginAddressRule, loginEmailRule, loginPairRule, refund, type LimitRule } from "../core/rate-limit";
import { ensureFirstAdmin } from "./bootstrap";
import { createStaffSession, pruneStaffSessions } from "./sessions";
import { authenticateUser, normalizeEmail, type StaffUser } from "./users";
import { logFor } from "../core/log";

const logger = logFor("auth");

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

/** How long an address an email signed in from stays exempt from that email's all-addresses limit. */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600;

/**
 * Check credentials and open a session; `invalid_credentials` (401) or `rate_limited` (429)
 * otherwise. Only failures count: guesses are capped per email and address, per address, and
 * per email from addresses it never signed in from, so an attacker elsewhere cannot lock the
 * rightful user out of their own address.
 */
export async function signIn(deps: Deps, input: SignInInput, opts: { bootstrap?: boolean } = {}): Promise<SignedIn> {
  const email = normalizeEmail(input.email);
  const knownKey = `${deps.keys.rateLimit("login-known")}:${createHash("sha256").update(`${email}\n${input.address}`).digest("base64url")}`;
  const known = await deps.redis.exists(knownKey).then(
    (n) => n === 1,
    () => false,
  );
  const counters: [LimitRule, string][] = [
    [loginPairRule(), `${email}|${input.address}`],
    [loginAddressRule(), input.address],
    ...(known ? [] : [[loginEmailRule(), email] as [LimitRule, string]]),
  ];
  // Every attempt takes its points before the password is checked, so parallel guesses cannot
  // slip past a check; a success gives them back.
  await takePoints(deps, counters);
  let user: StaffUser | null;
  try {
    if (opts.bootstrap ?? true) await bootstrapFirstAdmin(deps);
    user = await authenticateUser(deps, email, input.password);
  } catch (err) {
    // An outage is not a wrong password.
    await Promise.all(counters.map(([rule, key]) => refund(deps, rule, key)));
    throw err;
  }
  if (!user) throw new DomainError("invalid_credentials", WRONG_CREDENTIALS);
  const [pair, ...others] = counters;
  // This address's own mistakes are forgiven; other addresses' failures against the email stay counted.
  if (pair) await forgive(deps, pair[0], pair[1]);
  await Promise.all(others.map(([rule, key]) => refund(deps, rule, key)));
  await deps.redis.set(knownKey, "1", "EX", KNOWN_ADDRESS_SECONDS).catch((err: unknown) => {
    logger.error("[auth] could not remember a sign-in address:", err instanceof Error ? err.message : err);
  });
  const session = await createStaffSession(deps, user.id, { userAgent: input.userAgent, ip: input.address });
  // Housekeeping at a quiet moment: sign-ins are rare, the delete uses the expiresAt index.
  void pruneStaffSessions(deps).catch((err: unknown) => logger.error("[auth] could not prune ended sessions:", err));
  return { user, ...session };
}

/** One point from each counter, or none: a refusal by one gives back what the others took. */
async function takePoints(deps: Deps, counters: [LimitRule, string][]): Promise<void> {
  const taken: [LimitRule, string][] = [];
  try {
    for (const counter of counters) {
      await consume(deps, counter[0], counter[1]);
      taken.push(counter);
    }
  } catch (err) {
    await Promise.all(taken.map(([rule, key]) => refund(deps, rule, key)));
    throw err;
  }
}
