// The script door (./index.ts): leases.
import { type Client } from "./client";

// ---- lease-1.lua -------------------------------------------------------------------------------

/** Take a lease, or renew it when it is already ours: true when held. */
export async function acquireLease(redis: Client, req: { key: string; token: string; ttlMs: number }): Promise<boolean> {
  return (await redis.swLease(req.key, "acquire", req.token, req.ttlMs)) === 1;
}

/** Give a lease back if it is ours: true when it was. */
export async function releaseLease(redis: Client, req: { key: string; token: string }): Promise<boolean> {
  return (await redis.swLease(req.key, "release", req.token, 0)) === 1;
}
