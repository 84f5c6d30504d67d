// Leases in Redis: how several sidecars share a job without doing it twice (the ledger sweep,
// each sale's admitter). A holder renews its lease every run; if it dies, the lease runs out
// and another instance takes over within the time to live.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { acquireLease, releaseLease } from "../scripts";

export interface Lease {
  /** Take the lease or renew it if already ours; false while another holder has it. */
  acquire(): Promise<boolean>;
  /** Give it back early (only if still ours). */
  release(): Promise<void>;
  readonly held: boolean;
}

export function createLease(redis: Redis, key: string, ttlMs: number): Lease {
  const token = randomBytes(12).toString("base64url");
  let held = false;
  return {
    get held() {
      return held;
    },
    async acquire() {
      held = false; // until Redis says otherwise (an error must not leave a stale "held")
      held = await acquireLease(redis, { key, token, ttlMs });
      return held;
    },
    async release() {
      held = false;
      await releaseLease(redis, { key, token });
    },
  };
}
