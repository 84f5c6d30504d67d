// Local Redis and Postgres processes for development and tests (no Docker, no system services).
// Used by scripts/up.ts and by the test global setups.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, chownSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

export const PG_BIN = process.env.PG_BIN ?? findPgBin();

function findPgBin(): string {
  for (const v of ["17", "16", "15", "14"]) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(path.join(dir, "postgres"))) return dir;
  }
  return "";
}

/** A TCP port nobody is listening on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Postgres refuses to run as root: when we are root, run its binaries as the postgres user.
 * (Spawned with uid/gid rather than through runuser, so our signals reach the postmaster itself.)
 */
function asPostgres(): { uid?: number; gid?: number } {
  return isRoot ? { uid: uid("postgres"), gid: gid("postgres") } : {};
}

export function missingSystemTools(): string[] {
  const missing: string[] = [];
  if (spawnSync("redis-server", ["--version"]).status !== 0) missing.push("redis-server (apt-get install -y redis-server)");
  if (!PG_BIN) missing.push("PostgreSQL server binaries (apt-get install -y postgresql)");
  return missing;
}

export interface LocalProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export interface RedisOptions {
  dir: string;
  port?: number;
  /** Append-only file with fsync every second: the persistence the README recommends. */
  persistent?: boolean;
  /** Redis's maxmemory (e.g. "512mb"); unset: no limit. */
  maxmemory?: string;
  log?: "inherit" | "ignore";
}

export async function startRedis(opts: RedisOptions): Promise<LocalProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  // noeviction: a full Redis refuses writes (answered as 503s) instead of deleting stock or holds.
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", opts.dir, "--save", "", "--maxmemory-policy", "noeviction"];
  if (opts.maxmemory) args.push("--maxmemory", opts.maxmemory);
  args.push("--appendonly", opts.persistent ? "yes" : "no");
  if (opts.persistent) args.push("--appendfsync", "everysec");
  const child = spawn("redis-server", args, { stdio: ["ignore", opts.log ?? "ignore", "inherit"] });
  await waitForPort(port);
  return { url: `redis://127.0.0.1:${port}`, port, child, stop: () => stopChild(child) };
}

export interface PostgresOptions {
  dir: string;
  port?: number;
  database?: string;
  log?: "inherit" | "ignore";
  /**
   * fsync on (default). Tests pass false: a throwaway database need not survive a power cut,
   * and skipping fsync makes them much faster on shared disks.
   */
  durable?: boolean;
}

export async function startPostgres(opts: PostgresOptions): Promise<LocalProcess> {
  if (!PG_BIN) throw new Error("PostgreSQL server binaries not found: apt-get install -y postgresql (or set PG_BIN)");
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? "stockwire";
  const dataDir = path.join(opts.dir, "data");
  const sockDir = path.join(opts.dir, "sock");
  mkdirSync(sockDir, { recursive: true });
  if (isRoot) {
    chownSync(opts.dir, uid("postgres"), gid("postgres"));
    chownSync(sockDir, uid("postgres"), gid("postgres"));
  }
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    const res = spawnSync(
      path.join(PG_BIN, "initdb"),
      ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
      { encoding: "utf8", cwd: opts.dir, ...asPostgres() },
    );
    if (res.status !== 0) throw new Error(`initdb failed: ${res.stderr || res.stdout}`);
    // Small, fast, local: tuned for a developer machine and CI, not production.
    writeFileSync(path.join(opts.dir, "stockwire.conf.note"), "Started by scripts/services.ts; settings are passed on the command line.\n");
  }
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${sockDir}`,
    "-c",
    "max_connections=200",
    ...(opts.durable === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  const child = spawn(path.join(PG_BIN, "postgres"), args, {
    stdio: ["ignore", opts.log ?? "ignore", opts.log ?? "ignore"],
    cwd: opts.dir,
    ...asPostgres(),
  });
  await waitForPort(port);
  await waitForPostgresReady(port);
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await createDatabaseIfMissing(admin, database);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/${database}`,
    port,
    child,
    stop: () => stopChild(child, "SIGINT"), // SIGINT = fast shutdown
  };
}

async function waitForPostgresReady(port: number): Promise<void> {
  const pg = await import("pg");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.default.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const pg = await import("pg");
  const client = new pg.default.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const res = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (res.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
  } finally {
    await client.end();
  }
}

function uid(user: string): number {
  return Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
}
function gid(user: string): number {
  return Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
}

export interface RedisClusterOptions {
  dir: string;
  /** Number of masters (3 by default; Redis Cluster needs at least 3). */
  masters?: number;
  log?: "inherit" | "ignore";
}

export interface LocalRedisCluster {
  /** Seed nodes as REDIS_CLUSTER_NODES expects them: "127.0.0.1:P1,127.0.0.1:P2,...". */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A throwaway Redis Cluster of N masters and no replicas (tests): N `redis-server
 * --cluster-enabled yes` processes, joined with `redis-cli --cluster create`, ready once
 * every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<LocalRedisCluster> {
  const masters = opts.masters ?? 3;
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const dir = path.join(opts.dir, `node-${i}`);
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      // The cluster bus defaults to port + 10000, which may be taken or out of range: pick one.
      const busPort = await freePort();
      const args = [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        path.join(dir, "nodes.conf"),
        "--cluster-port",
        String(busPort),
        "--cluster-node-timeout",
        "5000",
      ];
      children.push(spawn("redis-server", args, { stdio: ["ignore", opts.log ?? "ignore", "inherit"] }));
      ports.push(port);
    }
    await Promise.all(ports.map((p) => waitForPort(p)));
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = ports.every((p) => {
        const info = spawnSync("redis-cli", ["-p", String(p), "cluster", "info"], { encoding: "utf8" });
        return info.stdout.includes("cluster_state:ok");
      });
      if (ok) break;
      if (Date.now() > deadline) throw new Error("Redis Cluster did not reach cluster_state:ok within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(","), ports, stop };
}
