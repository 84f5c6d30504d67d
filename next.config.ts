import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // ioredis, pg and Prisma's driver adapter are Node server libraries: keep them out of the bundle.
  serverExternalPackages: ["ioredis", "pg", "@prisma/adapter-pg", "prom-client", "pino"],
  poweredByHeader: false,
  // The sidecar and tests run with their own working directories; Next must not guess the root.
  outputFileTracingRoot: import.meta.dirname,
  // forbidden() answers a back-office screen above the caller's role with a real 403 page.
  experimental: { authInterrupts: true },
};

export default nextConfig;
