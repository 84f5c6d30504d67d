// Generated code the build and the tests need: Prisma Client, the Lua script module, and the API
// reference page's script (Scalar's standalone bundle, copied from node_modules to public/vendor so
// the page loads it from this origin).
// Prisma's generator wants a schema-engine binary path even though generating needs no
// engine; where none can be downloaded, any existing file will do (see docs/operations.md, Postgres, Prisma and migrations).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
const prisma = spawnSync("npx", ["prisma", "generate"], { stdio: ["ignore", "ignore", "inherit"], env });
if (prisma.status !== 0) process.exit(prisma.status ?? 1);
const lua = spawnSync("npx", ["tsx", "scripts/gen-lua.ts"], { stdio: ["ignore", "ignore", "inherit"] });
if (lua.status !== 0) process.exit(lua.status ?? 1);

// The package exports no path to the bundle: find it beside the entry point (dist/index.js).
const scalar = path.join(path.dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "browser", "standalone.js");
const vendor = path.join(import.meta.dirname, "..", "public", "vendor", "scalar");
mkdirSync(vendor, { recursive: true });
copyFileSync(scalar, path.join(vendor, "standalone.js"));
