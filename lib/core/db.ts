// The Postgres client (Prisma over node-postgres). One per process.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";
import { config } from "./config";

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { stockwireDb?: PrismaClient };

/** Create a Prisma client for a database URL (tests and scripts make their own). */
export function createDb(url: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  return new PrismaClient({ adapter });
}

/** The process-wide Prisma client (survives Next.js hot reloads in development). */
export function db(): PrismaClient {
  globalForDb.stockwireDb ??= createDb(config().DATABASE_URL);
  return globalForDb.stockwireDb;
}
