// The one logger of the app and the sidecar: structured JSON lines (pino) on stdout, one object per
// event with the part of the system that wrote it (`component`). JSON escapes newlines, so a value
// cannot forge a line. Never a secret, a session id or a token: the fields that could carry one are
// redacted here, and callers log ids of their own (a request id), never a request's credentials.
// Readable in development: `npm run up` shows these lines through pino-pretty (scripts/stack/processes.ts).
import pino, { type Logger } from "pino";

/** Field paths censored wherever they appear (at the top, one level down, and in headers). */
export const REDACTED_PATHS = [
  "authorization",
  "cookie",
  "token",
  "password",
  "secret",
  "sessionId",
  "queueToken",
  "*.authorization",
  "*.cookie",
  "*.token",
  "*.password",
  "*.secret",
  "*.sessionId",
  "*.queueToken",
  'headers["set-cookie"]',
  'headers["x-stockwire-signature"]',
];

const globalForLog = globalThis as unknown as { stockwireLogger?: Logger };

/** The process's root logger (LOG_LEVEL, default `info`; `warn` under tests). */
export function rootLogger(): Logger {
  globalForLog.stockwireLogger ??= pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
    base: { service: process.env.STOCKWIRE_SERVICE ?? "app" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return globalForLog.stockwireLogger;
}

export interface Log {
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
  /** The pino logger underneath, for fields of your own (`.child({ requestId })`). */
  readonly pino: Logger;
}

/** Fields for a detail: an error as `err` (name, message, stack), an object as its fields, anything else as `detail`. */
function fields(detail: unknown): Record<string, unknown> {
  if (detail === undefined) return {};
  if (detail instanceof Error) return { err: detail };
  if (typeof detail === "object" && detail !== null && !Array.isArray(detail)) return detail as Record<string, unknown>;
  return { detail };
}

/** The logger of one part of the system, e.g. `logFor("gateway")`. */
export function logFor(component: string, bindings: Record<string, unknown> = {}): Log {
  let child: Logger | undefined;
  const get = () => (child ??= rootLogger().child({ component, ...bindings }));
  return {
    debug: (message, detail) => get().debug(fields(detail), message),
    info: (message, detail) => get().info(fields(detail), message),
    warn: (message, detail) => get().warn(fields(detail), message),
    error: (message, detail) => get().error(fields(detail), message),
    get pino() {
      return get();
    },
  };
}
