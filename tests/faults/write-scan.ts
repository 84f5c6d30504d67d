// A static look at lib/: which functions write more than once (Redis commands and scripts,
// Postgres writes, transactions, rate-limit counters), directly or through the other lib/
// functions they call. A heuristic over the TypeScript syntax tree (no type checker): it is
// there so that a NEW multi-step write is noticed by tests/faults/multi-step-writes.test.ts.
//
// Counted as one write site each:
// - a Redis write on a Redis-looking receiver (`deps.redis.x`, `redis.x`, a `duplicate()`d or
//   `defineScripts()`d connection): every `swX` script and every command of REDIS_WRITES;
// - `multi()` / `pipeline()` chains and variables: one site at `exec()` when a write is queued;
// - a Prisma write `<…db|tx>.<model>.(create|createMany|update|updateMany|upsert|delete|deleteMany)`,
//   `$transaction(…)` (one site; the Prisma writes inside its argument are not counted again),
//   `$executeRaw`, and `$queryRaw` whose SQL starts with INSERT/UPDATE/DELETE;
// - a rate-limiter counter change `limiterFor(…).(consume|reward|delete|penalty|block)(…)`.
// Nested functions (closures, returned objects' methods) count for the top-level function that
// contains them. A call to another scanned lib/ function adds that function's own count.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const REDIS_WRITES = new Set([
  "set",
  "setex",
  "psetex",
  "setnx",
  "getset",
  "getdel",
  "mset",
  "msetnx",
  "append",
  "incr",
  "incrby",
  "incrbyfloat",
  "decr",
  "decrby",
  "del",
  "unlink",
  "expire",
  "pexpire",
  "expireat",
  "pexpireat",
  "persist",
  "rename",
  "renamenx",
  "copy",
  "restore",
  "hset",
  "hsetnx",
  "hmset",
  "hdel",
  "hincrby",
  "hincrbyfloat",
  "zadd",
  "zrem",
  "zincrby",
  "zremrangebyscore",
  "zremrangebyrank",
  "zpopmin",
  "zpopmax",
  "sadd",
  "srem",
  "spop",
  "smove",
  "lpush",
  "rpush",
  "lpop",
  "rpop",
  "lrem",
  "lset",
  "ltrim",
  "blpop",
  "brpop",
  "xadd",
  "xdel",
  "xtrim",
  "xack",
  "xgroup",
  "publish",
  "spublish",
  "eval",
  "evalsha",
  "fcall",
  "flushdb",
  "flushall",
]);

const PRISMA_WRITES = new Set([
  "create",
  "createMany",
  "createManyAndReturn",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
]);
const LIMITER_WRITES = new Set(["consume", "reward", "delete", "penalty", "block", "set"]);

export interface ScannedFunction {
  /** `reservations.ts:placeReservation` (path relative to lib/). */
  name: string;
  exported: boolean;
  /** Write sites in its own body (closures included). */
  direct: string[];
  /** Calls to other scanned functions (by name). */
  calls: string[];
  /** Direct sites plus the weights of every called function. */
  weight: number;
}

function libFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) {
        if (entry === "generated" || entry === "node_modules") continue;
        walk(p);
      } else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts") && !entry.includes(".generated.")) {
        out.push(p);
      }
    }
  };
  walk(root);
  return out.sort();
}

const text = (n: ts.Node, sf: ts.SourceFile) => n.getText(sf);

/** The method names of a call chain down to (and including) the first call's receiver. */
function chainOf(expr: ts.Expression): { names: string[]; root: ts.Expression } {
  const names: string[] = [];
  let e: ts.Expression = expr;
  for (;;) {
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
      names.push(e.expression.name.text);
      e = e.expression.expression;
    } else if (ts.isAwaitExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) {
      e = e.expression;
    } else {
      return { names, root: e };
    }
  }
}

const isRedisWriteName = (name: string) => /^sw[A-Z]/.test(name) || REDIS_WRITES.has(name);

/** Scan lib/ (or another root) and return every top-level function with its write weight. */
export function scanWrites(libRoot: string): ScannedFunction[] {
  const fns = new Map<string, { exported: boolean; direct: string[]; calls: string[] }>();
  for (const file of libFiles(libRoot)) {
    const rel = path.relative(libRoot, file).split(path.sep).join("/");
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    // Local names of functions: top-level ones of this file and named imports from lib/ files.
    const resolve = new Map<string, string>();
    const moduleName = (spec: string) => {
      const abs = path.resolve(path.dirname(file), spec);
      const relTo = path.relative(libRoot, abs).split(path.sep).join("/");
      return relTo.startsWith("..") ? null : `${relTo}.ts`;
    };
    const tops: { name: string; body: ts.Node; exported: boolean }[] = [];
    const reexports = new Map<string, string>();
    for (const st of sf.statements) {
      const exported = !!ts.getModifiers(st as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith(".")) {
        const mod = moduleName(st.moduleSpecifier.text);
        const named = st.importClause?.namedBindings;
        if (mod && named && ts.isNamedImports(named)) {
          for (const el of named.elements) {
            const name = (el.propertyName ?? el.name).text;
            resolve.set(el.name.text, `${definingFile(libRoot, mod, name)}:${name}`);
          }
        }
      } else if (ts.isFunctionDeclaration(st) && st.name && st.body) {
        tops.push({ name: st.name.text, body: st.body, exported });
      } else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) {
            tops.push({ name: d.name.text, body: d.initializer.body, exported });
          }
        }
      } else if (ts.isClassDeclaration(st) && st.name) {
        for (const m of st.members) {
          if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && m.body) {
            const mname = ts.isConstructorDeclaration(m) ? "constructor" : m.name.getText(sf);
            tops.push({ name: `${st.name.text}.${mname}`, body: m.body, exported });
          }
        }
      } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) reexports.set(el.name.text, (el.propertyName ?? el.name).text);
      }
    }
    for (const t of tops) resolve.set(t.name, `${rel}:${t.name}`);
    for (const [exportedAs, local] of reexports)
      fns.set(`${rel}:${exportedAs}`, { exported: true, direct: [], calls: [`${rel}:${local}`] });

    for (const top of tops) {
      const direct: string[] = [];
      const calls: string[] = [];
      const pipelineVars = new Map<string, string[]>();
      const redisVars = new Set<string>(["redis"]);
      // First pass: variables that hold pipelines or Redis connections.
      const collect = (n: ts.Node) => {
        if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
          const init = text(n.initializer, sf);
          const { names } = chainOf(n.initializer);
          if (names.length > 0 && (names[names.length - 1] === "pipeline" || names[names.length - 1] === "multi") && names.length === 1) {
            pipelineVars.set(n.name.text, []);
          }
          if (/\.duplicate\(|defineScripts\(|createRedis|createSubscriber/.test(init)) redisVars.add(n.name.text);
        }
        ts.forEachChild(n, collect);
      };
      collect(top.body);
      const collectPipelineCalls = (n: ts.Node) => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression)) {
          pipelineVars.get(n.expression.expression.text)?.push(n.expression.name.text);
        }
        ts.forEachChild(n, collectPipelineCalls);
      };
      collectPipelineCalls(top.body);

      const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
      const isRedisReceiver = (recv: ts.Expression) => {
        const t = text(recv, sf);
        return /(^|\.)redis$/.test(t) || (ts.isIdentifier(recv) && redisVars.has(recv.text));
      };
      const isDbReceiver = (recv: ts.Expression) => /(^|\.)(db|tx)$/.test(text(recv, sf));
      const insideTransaction = (n: ts.Node) => {
        for (let p = n.parent; p && p !== top.body; p = p.parent) {
          if (
            ts.isCallExpression(p) &&
            ts.isPropertyAccessExpression(p.expression) &&
            p.expression.name.text === "$transaction" &&
            n.pos >= p.expression.end
          )
            return true;
        }
        return false;
      };
      const visit = (n: ts.Node) => {
        if (ts.isTaggedTemplateExpression(n) && ts.isPropertyAccessExpression(n.tag)) {
          const tag = n.tag.name.text;
          const sql = ts.isNoSubstitutionTemplateLiteral(n.template) ? n.template.text : n.template.head.text;
          if ((tag === "$executeRaw" || (tag === "$queryRaw" && /^\s*(insert|update|delete)\b/i.test(sql))) && !insideTransaction(n)) {
            direct.push(`${tag}@${line(n)}`);
          }
        }
        if (ts.isCallExpression(n)) {
          const callee = n.expression;
          if (ts.isIdentifier(callee)) {
            const target = resolve.get(callee.text);
            if (target && target !== `${rel}:${top.name}`) calls.push(target);
          } else if (ts.isPropertyAccessExpression(callee)) {
            const name = callee.name.text;
            const recv = callee.expression;
            const chain = chainOf(recv);
            const inPipelineChain = chain.names.includes("multi") || chain.names.includes("pipeline");
            if (name === "exec") {
              let queued: string[] = [];
              if (inPipelineChain) queued = chain.names.slice(0, Math.max(chain.names.indexOf("multi"), chain.names.indexOf("pipeline")));
              else if (ts.isIdentifier(recv) && pipelineVars.has(recv.text)) queued = pipelineVars.get(recv.text)!;
              if (queued.some(isRedisWriteName))
                direct.push(`exec[${[...new Set(queued.filter((q) => q !== "exec"))].join(",")}]@${line(n)}`);
            } else if (inPipelineChain || (ts.isIdentifier(recv) && pipelineVars.has(recv.text))) {
              // queued in a pipeline: counted at exec()
            } else if (isRedisWriteName(name) && isRedisReceiver(recv)) {
              direct.push(`${name}@${line(n)}`);
            } else if (name === "$transaction" && isDbReceiver(recv)) {
              direct.push(`$transaction@${line(n)}`);
            } else if ((name === "$executeRawUnsafe" || name === "$executeRaw") && isDbReceiver(recv)) {
              if (!insideTransaction(n)) direct.push(`${name}@${line(n)}`);
            } else if (PRISMA_WRITES.has(name) && ts.isPropertyAccessExpression(recv) && isDbReceiver(recv.expression)) {
              if (!insideTransaction(n)) direct.push(`${recv.name.text}.${name}@${line(n)}`);
            } else if (
              LIMITER_WRITES.has(name) &&
              ts.isCallExpression(recv) &&
              ts.isIdentifier(recv.expression) &&
              recv.expression.text === "limiterFor"
            ) {
              direct.push(`limiter.${name}@${line(n)}`);
            }
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(top.body);
      fns.set(`${rel}:${top.name}`, { exported: top.exported, direct, calls });
    }
  }

  const weights = new Map<string, number>();
  const weightOf = (name: string, stack: Set<string>): number => {
    const known = weights.get(name);
    if (known !== undefined) return known;
    const f = fns.get(name);
    if (!f || stack.has(name)) return 0;
    stack.add(name);
    let w = f.direct.length;
    for (const c of f.calls) w += weightOf(c, stack);
    stack.delete(name);
    w = Math.min(w, 99);
    weights.set(name, w);
    return w;
  };
  return [...fns].map(([name, f]) => ({ name, exported: f.exported, direct: f.direct, calls: f.calls, weight: weightOf(name, new Set()) }));
}

/** The functions that write at least twice (directly or through the lib/ functions they call). */
export function multiStepWrites(libRoot: string): ScannedFunction[] {
  return scanWrites(libRoot).filter((f) => f.weight >= 2);
}

/**
 * The file that defines `name` for an import of `mod`: the module itself, or — for a folder's
 * barrel (`../scripts` is `scripts/index.ts`) — the file of that folder whose top level exports a
 * function of that name, so calls through a barrel are followed like direct ones.
 */
function definingFile(libRoot: string, mod: string, name: string): string {
  if (existsSync(path.join(libRoot, mod))) return mod;
  const folder = mod.replace(/\.ts$/, "");
  const dir = path.join(libRoot, folder);
  if (!existsSync(dir)) return mod;
  const pattern = new RegExp(`export\\s+(async\\s+)?function\\s+${name}\\b|export\\s+const\\s+${name}\\s*=`);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    if (pattern.test(readFileSync(path.join(dir, file), "utf8"))) return `${folder}/${file}`;
  }
  return `${folder}/index.ts`;
}
