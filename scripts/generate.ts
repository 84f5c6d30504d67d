// Generated code the build and the tests need: Prisma Client and the Lua script module.
// Prisma's generator wants a schema-engine binary path even though generating needs no
// engine; where none can be downloaded, any existing file will do (see docs/operations.md, Postgres, Prisma and migrations).
import { spawnSync } from "node:child_process";

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
const prisma = spawnSync("npx", ["prisma", "generate"], { stdio: ["ignore", "ignore", "inherit"], env });
if (prisma.status !== 0) process.exit(prisma.status ?? 1);
const lua = spawnSync("npx", ["tsx", "scripts/gen-lua.ts"], { stdio: ["ignore", "ignore", "inherit"] });
process.exit(lua.status ?? 1);
