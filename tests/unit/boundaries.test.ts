// Rules between the rooms of the house, checked rather than promised in a comment:
// - what ships to the browser (components/, lib/shared/) never reaches Node's built-ins,
//   `server-only` modules, database or Redis clients, or server/ — through any chain of value
//   imports (type-only imports are erased; a "use server" file is a reference, not code);
// - server/ (the sidecar) never imports app/ (Next.js routes and pages);
// - only lib/scripts/ (the typed door) calls the registered script commands (`redis.swX(...)`).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const NODE_BUILTINS = new Set([
  "crypto",
  "fs",
  "path",
  "os",
  "net",
  "http",
  "https",
  "child_process",
  "zlib",
  "stream",
  "worker_threads",
  "url",
  "util",
  "events",
  "tls",
  "dns",
]);
const SERVER_PACKAGES = [
  "server-only",
  "ioredis",
  "pg",
  "@prisma/",
  "prisma",
  "@node-rs/",
  "rate-limiter-flexible",
  "prom-client",
  "socket.io",
  "@socket.io/",
  "jose",
  "dataloader",
  "pino",
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...filesUnder(rel));
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** The value imports (and re-exports) of a file: type-only ones are left out. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause &&
        !clause.name &&
        named &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      out.push(node.moduleSpecifier.text);
    }
  }
  // import("...") expressions load code too.
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0]))
      out.push(n.arguments[0].text);
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  const base = spec.startsWith("@/")
    ? path.join(ROOT, spec.slice(2))
    : spec.startsWith(".")
      ? path.resolve(ROOT, path.dirname(from), spec)
      : null;
  if (!base) return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return path.relative(ROOT, candidate);
  }
  return null;
}

const isUseServer = (file: string) => /^\s*["']use server["']/.test(readFileSync(path.join(ROOT, file), "utf8"));

/** The first chain of value imports from `start` that reaches something `forbidden` names, or null. */
function forbiddenChain(start: string, forbidden: (spec: string, resolved: string | null) => string | null): string[] | null {
  const seen = new Set<string>([start]);
  const queue: string[][] = [[start]];
  while (queue.length > 0) {
    const chain = queue.shift()!;
    const file = chain.at(-1)!;
    for (const spec of valueImports(file)) {
      const resolved = resolveLocal(file, spec);
      const why = forbidden(spec, resolved);
      if (why) return [...chain, why];
      if (!resolved || seen.has(resolved) || isUseServer(resolved)) continue;
      seen.add(resolved);
      queue.push([...chain, resolved]);
    }
  }
  return null;
}

const browserForbidden = (spec: string, resolved: string | null): string | null => {
  if (spec.startsWith("node:") || NODE_BUILTINS.has(spec)) return `${spec} (Node built-in)`;
  if (SERVER_PACKAGES.some((p) => spec === p || (p.endsWith("/") && spec.startsWith(p)))) return `${spec} (server package)`;
  if (resolved?.startsWith(`server${path.sep}`)) return `${resolved} (the sidecar)`;
  if (resolved?.startsWith(path.join("lib", "generated"))) return `${resolved} (Prisma client)`;
  return null;
};

describe("boundaries between the rooms", () => {
  const browserFiles = [...filesUnder("components"), ...filesUnder(path.join("lib", "shared"))].filter((f) => !isUseServer(f));

  it("finds the files it checks", () => {
    expect(browserFiles.length).toBeGreaterThan(40);
  });

  it.each(browserFiles)("%s reaches no Node built-in, server package or sidecar code", (file) => {
    expect(forbiddenChain(file, browserForbidden)).toBeNull();
  });

  it.each(filesUnder("server"))("%s does not import app/", (file) => {
    const chain = forbiddenChain(file, (_spec, resolved) =>
      resolved?.startsWith(`app${path.sep}`) ? `${resolved} (a Next.js route)` : null,
    );
    expect(chain).toBeNull();
  });

  it("the checker itself sees a forbidden chain when there is one", () => {
    // lib/catalog/catalog.ts imports node:crypto: a client file importing it must be caught.
    expect(forbiddenChain(path.join("lib", "catalog", "catalog.ts"), browserForbidden)).not.toBeNull();
  });
});

/** The registered script commands (`.swX(`) a source file calls, each as `file: swX`, less those `allowed` names when queued on a MULTI. */
function scriptCalls(file: string, allowedInMulti: readonly string[] = []): string[] {
  const source = readFileSync(path.join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of source.matchAll(/\.(sw[A-Z]\w*)\(/g)) {
    const queuedInMulti = /\.multi\(\)\s*$/.test(source.slice(0, m.index));
    if (queuedInMulti && allowedInMulti.includes(m[1]!)) continue;
    out.push(`${file}: ${m[1]}`);
  }
  return out;
}

describe("the script door", () => {
  // Queued in a WATCH/MULTI transaction (setSafetyStock), where the door cannot go: it awaits
  // the script's reply, and a queued command has none before EXEC.
  const QUEUED_IN_MULTI: Record<string, string[]> = { [path.join("lib", "stock", "admin.ts")]: ["swSetStock"] };
  const door = `${path.join("lib", "scripts")}${path.sep}`;
  const sources = ["lib", "server", "app"]
    .flatMap((dir) => filesUnder(dir))
    .filter((f) => !f.startsWith(door) && f !== path.join("lib", "core", "redis.ts"));

  it("only lib/scripts calls the registered script commands", () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.flatMap((f) => scriptCalls(f, QUEUED_IN_MULTI[f]))).toEqual([]);
  });

  it("the checker itself sees a script call when there is one", () => {
    expect(scriptCalls(path.join("lib", "scripts", "reservations.ts")).length).toBeGreaterThan(0);
  });
});
