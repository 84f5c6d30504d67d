// startStack: Redis and Postgres, migrations and demo data, the Next.js build, `next start`
// and the sidecar, in that order; stop() takes down whatever was started.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createDb } from "../../lib/core/db";
import { redisKeys } from "../../lib/core/keys";
import { rebuildFromLedger, redisIsEmpty } from "../../lib/ledger";
import { createRedis } from "../../lib/core/redis";
import { seed } from "../../prisma/seed";
import { migrate } from "../migrate";
import { missingSystemTools, startPostgres, startRedis, type LocalProcess } from "../services";
import { buildStaleness, sourcesHash, writeBuildStamp } from "./build";
import { checkTraversable } from "./checks";
import { ROOT } from "./paths";
import { killGroup, portInUse, prefixer, runToEnd, spawnManaged, stopManaged, waitForHealth, type Managed } from "./processes";
import { loadSecrets } from "./secrets";
import { readStackFile, type StackFile } from "./stack-file";
import type { Stack, StackFaults, StackOptions } from "./types";

/** What this start has launched so far: stop() takes down all of it. */
interface Launched {
  local: LocalProcess[];
  managed: Managed[];
  named: { redis?: LocalProcess; postgres?: LocalProcess; web?: Managed; sidecar?: Managed };
}

type Log = (message: string) => void;

const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

/** Start everything; resolves once the storefront and the sidecar answer their health checks. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const baseEnv = opts.env ?? process.env;
  const log = opts.log ?? ((msg: string) => console.log(`${prefixer("stack")} ${msg}`));
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });

  await assertCanStart(dataDir, opts);

  const local: LocalProcess[] = [];
  const managed: Managed[] = [];
  const named: Launched["named"] = {};
  const launched: Launched = { local, managed, named };
  let stopping: Promise<void> | undefined;
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  // Ctrl-C reaches this process twice (from the terminal and relayed by tsx's parent): keep
  // the handler installed until everything is down, or the second signal would kill us midway.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    log(`${signal}: stopping…`);
    void stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  // Last resort if the process ends without stop(): no orphaned web server or sidecar.
  const onExit = () => {
    for (const m of managed) killGroup(m.child, "SIGKILL");
  };

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      rmSync(path.join(dataDir, "stack.json"), { force: true });
      await Promise.all(managed.map((m) => stopManaged(m)));
      // Redis and Postgres last, after the sidecar has persisted what it had in flight.
      await Promise.all(local.map((p) => p.stop()));
      for (const signal of signals) process.off(signal, onSignal);
      process.off("exit", onExit);
    })();
    return stopping;
  }

  if (opts.handleSignals ?? true) for (const signal of signals) process.on(signal, onSignal);
  process.on("exit", onExit);

  try {
    chmodSync(dataDir, 0o755);
    const secretsFile = path.join(dataDir, "secrets.json");
    const { values: secrets, generated } = loadSecrets(secretsFile, baseEnv);

    const { redisUrl, databaseUrl, data } = await startStores(opts, baseEnv, dataDir, secretsFile, launched, log);

    const applied = await migrate(databaseUrl);
    log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database schema is up to date");

    const redisPrefix = baseEnv.REDIS_PREFIX ?? "sw:";
    await loadData(opts, baseEnv, redisUrl, databaseUrl, redisPrefix, log);

    const { env, childEnv } = stackEnv(opts, baseEnv, redisUrl, databaseUrl, secrets);

    await buildIfNeeded(opts, childEnv, managed, log);

    const { baseUrl, realtimeUrl } = await startServers(opts, childEnv, launched, () => stopping !== undefined, log);

    const stackFile: StackFile = { pid: process.pid, baseUrl, realtimeUrl, redisUrl, databaseUrl, redisPrefix };
    writeFileSync(path.join(dataDir, "stack.json"), `${JSON.stringify(stackFile, null, 2)}\n`, { mode: 0o600 });
    const sidecarHealth = [`http://127.0.0.1:${opts.realtimePort}/health`, `${realtimeUrl}/health`];
    const faults = stackFaults(opts, childEnv, launched, data, sidecarHealth);
    return { baseUrl, realtimeUrl, env, data, generated, faults, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Refuse to start twice from one folder, on a taken port, or without the sidecar's source. */
async function assertCanStart(dataDir: string, opts: StackOptions): Promise<void> {
  const already = readStackFile(dataDir);
  if (already) throw new Error(`Stockwire is already running from ${dataDir} (pid ${already.pid}) at ${already.baseUrl}.`);
  for (const [name, port] of [
    ["PORT", opts.port],
    ["REALTIME_PORT", opts.realtimePort],
  ] as const) {
    if (await portInUse(port)) throw new Error(`Port ${port} is in use: stop what listens there or set ${name} to another port.`);
  }
  if (!existsSync(path.join(ROOT, "server", "index.ts"))) {
    throw new Error("server/index.ts (the realtime sidecar) does not exist yet.");
  }
}

/** Redis and Postgres: the servers given by REDIS_URL / DATABASE_URL, else local ones under dataDir. */
async function startStores(
  opts: StackOptions,
  baseEnv: NodeJS.ProcessEnv,
  dataDir: string,
  secretsFile: string,
  { local, named }: Launched,
  log: Log,
): Promise<{ redisUrl: string; databaseUrl: string; data: Stack["data"] }> {
  let redisUrl = baseEnv.REDIS_URL;
  let databaseUrl = baseEnv.DATABASE_URL;
  const data: Stack["data"] = { redis: null, postgres: null, secrets: secretsFile };
  const missing = missingSystemTools().filter(
    (tool) => (tool.startsWith("redis") && !redisUrl) || (tool.startsWith("Postgres") && !databaseUrl),
  );
  if (missing.length > 0) throw new Error(`Missing: ${missing.join("; ")}. Or set REDIS_URL / DATABASE_URL to existing servers.`);
  if (!redisUrl || !databaseUrl) checkTraversable(dataDir);
  await Promise.all([
    (async () => {
      if (redisUrl) return;
      data.redis = path.join(dataDir, "redis");
      const redis = await startRedis({ dir: data.redis, persistent: opts.persistentRedis ?? true });
      local.push(redis);
      named.redis = redis;
      redisUrl = redis.url;
      log(`redis on ${redis.url} (data in ${data.redis})`);
    })(),
    (async () => {
      if (databaseUrl) return;
      data.postgres = path.join(dataDir, "postgres");
      const pg = await startPostgres({ dir: data.postgres, database: "stockwire", durable: opts.durablePostgres ?? true });
      local.push(pg);
      named.postgres = pg;
      databaseUrl = pg.url;
      log(`postgres on ${pg.url} (data in ${data.postgres})`);
    })(),
  ]);
  if (!redisUrl || !databaseUrl) throw new Error("unreachable: no Redis or Postgres URL");
  return { redisUrl, databaseUrl, data };
}

/** The demo catalog into an empty database, and Redis's stock counters from the ledger when Redis is empty. */
async function loadData(
  opts: StackOptions,
  baseEnv: NodeJS.ProcessEnv,
  redisUrl: string,
  databaseUrl: string,
  redisPrefix: string,
  log: Log,
): Promise<void> {
  const deps = {
    redis: createRedis(redisUrl, "stockwire-stack"),
    db: createDb(databaseUrl, 2),
    keys: redisKeys(redisPrefix),
    holdTtlSeconds: Number(baseEnv.HOLD_TTL_SECONDS ?? 600),
  };
  try {
    if (opts.seed ?? true) {
      const seeded = await seed(deps);
      if (!seeded.skipped) log(`seeded the demo catalog: ${seeded.products} products, ${seeded.skus} SKUs`);
    }
    if (await redisIsEmpty(deps)) {
      const report = await rebuildFromLedger(deps);
      log(`Redis was empty: rebuilt ${report.rebuilt} of ${report.skus} SKUs from the ledger`);
    }
  } finally {
    deps.redis.disconnect();
    await deps.db.$disconnect();
  }
}

/** The Stockwire variables (`Stack.env`) and the whole environment the web server and the sidecar get. */
function stackEnv(
  opts: StackOptions,
  baseEnv: NodeJS.ProcessEnv,
  redisUrl: string,
  databaseUrl: string,
  secrets: Record<string, string>,
): { env: Record<string, string>; childEnv: NodeJS.ProcessEnv } {
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: String(opts.port),
    REALTIME_PORT: String(opts.realtimePort),
    STOREFRONT_ORIGIN: baseEnv.STOREFRONT_ORIGIN ?? `http://localhost:${opts.port},http://127.0.0.1:${opts.port}`,
    ...secrets,
  };
  for (const name of ["REDIS_PREFIX", "HOLD_TTL_SECONDS", "HOLD_WARNING_SECONDS", "REALTIME_COALESCE_MS", "NEXT_PUBLIC_REALTIME_URL"]) {
    const value = baseEnv[name];
    if (value) env[name] = value;
  }
  const childEnv: NodeJS.ProcessEnv = { ...baseEnv, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
  return { env, childEnv };
}

/** `next build` as the build policy says (by default only when `.next` is stale). */
async function buildIfNeeded(opts: StackOptions, childEnv: NodeJS.ProcessEnv, managed: Managed[], log: Log): Promise<void> {
  const policy = opts.build ?? "if-stale";
  const stale = policy === "always" ? "a build was asked for" : policy === "never" ? null : buildStaleness(ROOT, childEnv);
  if (stale) {
    log(`building Next.js (${stale})…`);
    const started = Date.now();
    const sources = sourcesHash(ROOT, childEnv); // edits made during the build make it stale
    const build = spawnManaged("build", bin("next"), ["build"], childEnv, opts.logDir);
    managed.push(build);
    await runToEnd(build);
    managed.splice(managed.indexOf(build), 1);
    writeBuildStamp(ROOT, childEnv, sources);
    log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } else if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new Error("No Next.js build in .next: run `npm run build` first.");
  }
}

/** `next start` and the sidecar; resolves once both answer their health checks. */
async function startServers(
  opts: StackOptions,
  childEnv: NodeJS.ProcessEnv,
  { managed, named }: Launched,
  isStopping: () => boolean,
  log: Log,
): Promise<{ baseUrl: string; realtimeUrl: string }> {
  const web = spawnManaged("web", bin("next"), ["start", "-p", String(opts.port)], childEnv, opts.logDir);
  const sidecar = spawnManaged("sidecar", bin("tsx"), ["server/index.ts"], childEnv, opts.logDir);
  managed.push(web, sidecar);
  named.web = web;
  named.sidecar = sidecar;
  const baseUrl = `http://localhost:${opts.port}`;
  const realtimeUrl = `http://localhost:${opts.realtimePort}`;
  await Promise.all([
    waitForHealth(web, [`http://127.0.0.1:${opts.port}/api/health`, `${baseUrl}/api/health`], 90_000),
    waitForHealth(sidecar, [`http://127.0.0.1:${opts.realtimePort}/health`, `${realtimeUrl}/health`], 90_000),
  ]);
  for (const m of [web, sidecar]) {
    void m.exited.then(({ code, signal }) => {
      if (isStopping()) return;
      log(`${m.name} exited unexpectedly (${signal ?? `exit code ${code}`})`);
      opts.onUnexpectedExit?.(m.name, code, signal);
    });
  }
  return { baseUrl, realtimeUrl };
}

/** Stack.faults: signal and restart the processes this start launched. */
function stackFaults(
  opts: StackOptions,
  childEnv: NodeJS.ProcessEnv,
  { local, managed, named }: Launched,
  data: Stack["data"],
  sidecarHealth: string[],
): StackFaults {
  return {
    pid: (name) => named[name]?.child.pid ?? null,
    async kill(name, signal) {
      const target = named[name];
      if (!target) throw new Error(`${name} was not started by this stack`);
      const fatal = signal === "SIGKILL" || signal === "SIGTERM" || signal === "SIGINT";
      if ("exited" in target) {
        killGroup(target.child, signal);
        if (fatal) await target.exited;
        return;
      }
      const gone = new Promise<void>((resolve) => {
        if (target.child.exitCode !== null || target.child.signalCode !== null) resolve();
        else target.child.once("exit", () => resolve());
      });
      target.child.kill(signal);
      if (fatal) await gone;
    },
    async restart(name) {
      if (name === "sidecar") {
        const old = named.sidecar;
        if (old && old.child.exitCode === null && old.child.signalCode === null) throw new Error("the sidecar is still running");
        const next = spawnManaged("sidecar", bin("tsx"), ["server/index.ts"], childEnv, opts.logDir);
        if (old) managed.splice(managed.indexOf(old), 1, next);
        else managed.push(next);
        named.sidecar = next;
        await waitForHealth(next, sidecarHealth, 90_000);
        return;
      }
      const old = named[name];
      if (!old || !data[name]) throw new Error(`${name} was not started by this stack`);
      const next =
        name === "redis"
          ? await startRedis({ dir: data.redis!, port: old.port, persistent: opts.persistentRedis ?? true })
          : await startPostgres({ dir: data.postgres!, port: old.port, database: "stockwire", durable: opts.durablePostgres ?? true });
      local.splice(local.indexOf(old), 1, next);
      named[name] = next;
    },
  };
}
