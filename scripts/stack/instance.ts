// More instances of the same stack (scale-out tests): another `next start` or sidecar on its
// own port, against the same Redis, Postgres and build.
import path from "node:path";
import { ROOT } from "./paths";
import { killGroup, portInUse, spawnManaged, stopManaged, waitForHealth } from "./processes";

export interface Instance {
  name: string;
  /** http://localhost:<port> */
  url: string;
  /** Process group of the instance (tsx runs node underneath). */
  pid: number;
  /** Send a signal to the whole process group, e.g. SIGKILL for a crash. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
}

export interface InstanceOptions {
  /** Web server (`next start`) or realtime sidecar (`tsx server/index.ts`). */
  kind: "web" | "sidecar";
  port: number;
  /** The running stack's variables (`Stack.env`) plus any others; PORT or REALTIME_PORT is set from `port`. */
  env: NodeJS.ProcessEnv;
  name?: string;
  logDir?: string;
  timeoutMs?: number;
}

/**
 * Start one more web server or sidecar next to a running stack; resolves once it answers its
 * health check. Needs an up-to-date build in `.next` (startStack makes one).
 */
export async function startInstance(opts: InstanceOptions): Promise<Instance> {
  const name = opts.name ?? opts.kind;
  if (await portInUse(opts.port)) throw new Error(`Port ${opts.port} is in use: pick another port for ${name}.`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    [opts.kind === "web" ? "PORT" : "REALTIME_PORT"]: String(opts.port),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const bin = (tool: string) => path.join(ROOT, "node_modules", ".bin", tool);
  const m =
    opts.kind === "web"
      ? spawnManaged(name, bin("next"), ["start", "-p", String(opts.port)], env, opts.logDir)
      : spawnManaged(name, bin("tsx"), ["server/index.ts"], env, opts.logDir);
  const onExit = () => killGroup(m.child, "SIGKILL");
  process.on("exit", onExit);
  void m.exited.then(() => process.off("exit", onExit));
  const url = `http://localhost:${opts.port}`;
  const health = opts.kind === "web" ? "/api/health" : "/health";
  try {
    await waitForHealth(m, [`http://127.0.0.1:${opts.port}${health}`, `${url}${health}`], opts.timeoutMs ?? 90_000);
  } catch (err) {
    await stopManaged(m);
    throw err;
  }
  return {
    name,
    url,
    pid: m.child.pid ?? -1,
    kill: (signal) => killGroup(m.child, signal),
    exited: m.exited,
    stop: () => stopManaged(m),
  };
}
