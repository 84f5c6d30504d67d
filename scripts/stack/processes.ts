// Child processes with prefixed output.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { prettyFactory } from "pino-pretty";
import { ROOT } from "./paths";

const COLORS: Record<string, string> = { build: "35", web: "36", sidecar: "33", stack: "32" };

export function prefixer(name: string): string {
  const label = `[${name}]`.padEnd(10);
  return process.stdout.isTTY ? `\x1b[${COLORS[name] ?? "37"}m${label}\x1b[0m` : label;
}

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  tail: string[];
}

/**
 * How a child's line is shown on the terminal: the app's and the sidecar's JSON log lines
 * (lib/core/log.ts) through pino-pretty, anything else as it is. The log files keep the JSON.
 */
function terminalLine(): (line: string) => string {
  let pretty: ((input: string) => string) | null = null;
  try {
    pretty = prettyFactory({ colorize: Boolean(process.stdout.isTTY), ignore: "pid,hostname,service", singleLine: true });
  } catch {
    pretty = null;
  }
  return (line) => {
    if (!pretty || !line.startsWith("{")) return line;
    try {
      return pretty(line).trimEnd();
    } catch {
      return line;
    }
  };
}

export function spawnManaged(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logDir?: string): Managed {
  // Own process group, so stopping reaches every process it forks (tsx runs node underneath).
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const tail: string[] = [];
  let file: WriteStream | undefined;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    file = createWriteStream(path.join(logDir, `${name}.log`));
  }
  const prefix = prefixer(name);
  const show = terminalLine();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      tail.push(line);
      if (tail.length > 60) tail.shift();
      if (file) file.write(`${line}\n`);
      else process.stdout.write(`${prefix} ${show(line)}\n`);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      file?.end();
      resolve({ code, signal });
    });
    child.once("error", (err) => {
      tail.push(`failed to start ${cmd}: ${err.message}`);
      file?.end();
      resolve({ code: 127, signal: null });
    });
  });
  return { name, child, exited, tail };
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export async function stopManaged(m: Managed, graceMs = 10_000): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) {
    killGroup(m.child, "SIGKILL"); // stragglers of the group, if any
    return;
  }
  killGroup(m.child, "SIGTERM");
  const timer = setTimeout(() => killGroup(m.child, "SIGKILL"), graceMs);
  await m.exited;
  clearTimeout(timer);
  killGroup(m.child, "SIGKILL");
}

export function runToEnd(m: Managed): Promise<void> {
  return m.exited.then(({ code, signal }) => {
    if (code !== 0) {
      throw new Error(`${m.name} failed (${signal ?? `exit code ${code}`}). Last lines:\n${m.tail.slice(-30).join("\n")}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Readiness.

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(true));
    srv.listen(port, () => srv.close(() => resolve(false)));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: "manual" });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function waitForHealth(m: Managed, urls: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void m.exited.then(() => (exited = true));
  for (;;) {
    for (const url of urls) if (await httpOk(url)) return;
    if (exited) {
      throw new Error(`${m.name} exited during start-up. Last lines:\n${m.tail.slice(-30).join("\n")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${m.name} did not answer 200 on ${urls[0]} within ${timeoutMs / 1000} s. Last lines:\n${m.tail.slice(-30).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
