// `npm run up`: the whole stack on this machine, data under .data/, until Ctrl-C.
import path from "node:path";
import { DEMO_SALE } from "../prisma/seed";
import { DEFAULT_DATA_DIR, ROOT, startStack } from "./stack";

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`${name}=${raw} is not a port number (1-65535).`);
    process.exit(1);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv("PORT", 3000);
  const realtimePort = portFromEnv("REALTIME_PORT", 3001);
  const stack = await startStack({
    dataDir: DEFAULT_DATA_DIR,
    port,
    realtimePort,
    onUnexpectedExit: (name) => {
      console.error(`${name} stopped: shutting the stack down.`);
      void stack.stop().finally(() => process.exit(1));
    },
  });
  const rel = (p: string) => {
    const r = path.relative(ROOT, p);
    return r.startsWith("..") ? p : r || ".";
  };
  if (stack.generated.includes("ADMIN_API_TOKEN") || stack.generated.includes("ADMIN_PASSWORD")) {
    console.log(`\nGenerated development secrets (kept in ${rel(stack.data.secrets)}; shown only this once):`);
    if (stack.generated.includes("ADMIN_API_TOKEN")) console.log(`  ADMIN_API_TOKEN=${stack.env.ADMIN_API_TOKEN}`);
    // The first admin is created from these at the first sign-in attempt (lib/auth/login.ts).
    if (stack.generated.includes("ADMIN_PASSWORD")) {
      console.log(`  admin login:     ${stack.env.ADMIN_EMAIL} / ${stack.env.ADMIN_PASSWORD} (at ${stack.baseUrl}/admin/login)`);
    }
  }
  console.log("");
  console.log(`Stockwire is running at ${stack.baseUrl} — press Ctrl-C to stop`);
  console.log(`  realtime sidecar: ${stack.realtimeUrl}`);
  console.log(`  flash-sale demo:  ${stack.baseUrl}/sales/${DEMO_SALE.id} (starts ten minutes after the first seed)`);
  console.log(`  Redis data:       ${stack.data.redis ? rel(stack.data.redis) : `${stack.env.REDIS_URL} (REDIS_URL)`}`);
  console.log(`  Postgres data:    ${stack.data.postgres ? rel(stack.data.postgres) : "DATABASE_URL"}`);
  console.log(`  secrets:          ${rel(stack.data.secrets)}`);
  console.log("");
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
