// The running stack's URLs, so `npm run inventory:rebuild` and `npm run db:seed` find it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_DATA_DIR } from "./paths";

export interface StackFile {
  pid: number;
  baseUrl: string;
  realtimeUrl: string;
  redisUrl: string;
  databaseUrl: string;
  redisPrefix: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readStackFile(dataDir: string): StackFile | null {
  const file = path.join(dataDir, "stack.json");
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as StackFile;
    return typeof parsed.pid === "number" && isAlive(parsed.pid) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * For command-line scripts: when DATABASE_URL / REDIS_URL are unset and `npm run up` is
 * running on this checkout, point process.env at its servers. Returns true when it did.
 */
export function loadRunningStackEnv(dataDir = DEFAULT_DATA_DIR): boolean {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) return false;
  const running = readStackFile(dataDir);
  if (!running) return false;
  process.env.DATABASE_URL ??= running.databaseUrl;
  process.env.REDIS_URL ??= running.redisUrl;
  process.env.REDIS_PREFIX ??= running.redisPrefix;
  return true;
}
