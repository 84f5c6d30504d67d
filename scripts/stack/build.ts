// Next.js build freshness: a content hash of what `next build` reads, so regenerated files
// with new mtimes but the same content do not force a rebuild.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "styles",
  "proxy.ts",
  "middleware.ts",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
];
const BUILD_IGNORED = new Set(["node_modules", ".next", "generated", ".data"]);
const BUILD_STAMP = path.join(".next", "stockwire-build.json");

function listInputs(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    const st = statSync(abs);
    if (st.isFile()) {
      out.push(rel);
      return;
    }
    if (!st.isDirectory()) return;
    for (const entry of readdirSync(abs).sort()) {
      if (BUILD_IGNORED.has(entry)) continue;
      walk(path.join(rel, entry));
    }
  };
  for (const input of BUILD_INPUTS) walk(input);
  return out;
}

export function sourcesHash(root: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash("sha256");
  for (const rel of listInputs(root)) {
    hash
      .update(rel)
      .update("\0")
      .update(readFileSync(path.join(root, rel)))
      .update("\0");
  }
  // NEXT_PUBLIC_* values are inlined into the bundle at build time.
  for (const key of Object.keys(env)
    .filter((k) => k.startsWith("NEXT_PUBLIC_"))
    .sort()) {
    hash.update(`${key}=${env[key] ?? ""}\0`);
  }
  return hash.digest("hex");
}

/** Why the Next.js build must be (re)made, or null when `.next` is up to date. */
export function buildStaleness(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const buildIdFile = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildIdFile)) return "no build yet";
  const buildId = readFileSync(buildIdFile, "utf8").trim();
  const stampFile = path.join(root, BUILD_STAMP);
  const hash = sourcesHash(root, env);
  if (existsSync(stampFile)) {
    try {
      const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { buildId?: string; sources?: string };
      if (stamp.buildId === buildId && stamp.sources === hash) return null;
      return "sources changed since the last build";
    } catch {
      return "unreadable build stamp";
    }
  }
  // Built by `npm run build` rather than by this script: compare modification times.
  const builtAt = statSync(buildIdFile).mtimeMs;
  const newer = listInputs(root).find((rel) => statSync(path.join(root, rel)).mtimeMs > builtAt);
  if (newer) return `${newer} is newer than the build`;
  writeBuildStamp(root, env);
  return null;
}

/** Record which sources the build in `.next` was made from (hash taken before the build started). */
export function writeBuildStamp(root: string, env: NodeJS.ProcessEnv, sources = sourcesHash(root, env)): void {
  const buildId = readFileSync(path.join(root, ".next", "BUILD_ID"), "utf8").trim();
  writeFileSync(path.join(root, BUILD_STAMP), JSON.stringify({ buildId, sources }));
}
