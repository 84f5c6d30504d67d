// Password hashing with argon2id (@node-rs/argon2: a prebuilt native module, no install
// scripts). Parameters: 64 MiB of memory and 3 passes (RFC 9106's second recommended option,
// well above OWASP's 19 MiB × 2 minimum) with one lane, as the two cores here gain nothing
// from more — about 65 ms per check on one core. They are stored in every hash, so raising
// them later only takes a rehash at each user's next sign-in (`needsRehash`).
import { hash, verify, type Algorithm } from "@node-rs/argon2";

/** Algorithm.Argon2id: the package declares a const enum, which isolatedModules cannot inline. */
const ARGON2ID = 2 as Algorithm;
const PARAMS = { algorithm: ARGON2ID, memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const;
const PHC_PREFIX = `$argon2id$v=19$m=${PARAMS.memoryCost},t=${PARAMS.timeCost},p=${PARAMS.parallelism}$`;

/** Longest password accepted: argon2 takes any length, but a megabyte "password" is a DoS. */
export const MAX_PASSWORD_LENGTH = 256;
export const MIN_PASSWORD_LENGTH = 8;

/** An argon2id hash (PHC string) of a password. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** Whether a password matches a stored hash; a malformed hash is a mismatch, never an exception. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Whether a stored hash was made with other parameters than today's (rehash it at sign-in). */
export function needsRehash(passwordHash: string): boolean {
  return !passwordHash.startsWith(PHC_PREFIX);
}

let dummy: Promise<string> | undefined;

/**
 * A real hash of a random password, computed once per process. Checking a password against it
 * costs what checking a real user's costs, so the answer time does not reveal whether an email
 * has an account.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy;
}
