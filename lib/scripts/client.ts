// What the script door takes: a Redis node or a Cluster, with the scripts registered (lib/core/redis.ts).
import type { Cluster, Redis } from "ioredis";

export type Client = Redis | Cluster;
