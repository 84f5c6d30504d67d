// Server configuration, validated once. A missing or malformed variable stops the process
// with a sentence that says what to set. Nothing here is sent to the browser.
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const perMinute = z.coerce.number().int().min(1).max(1_000_000);
const optionalSecret = z.string().min(16, "must be at least 16 characters").optional();

/**
 * The rate limits (lib/core/rate-limit.ts counts them in Redis; docs/configuration.md, Rate limits).
 * Part of the schema below; also readable alone (`rateLimits()`), so counting a request never
 * depends on the rest of the configuration — tests and tools that start a gateway without the
 * database URL in the environment count too.
 */
const limitsSchema = z.object({
  /** Queue joins allowed per client address per minute (a joined shopper asking again is counted too). */
  QUEUE_JOIN_LIMIT_PER_MINUTE: perMinute.default(30),
  /** Queue joins per shopper session per minute (a joined shopper asking again is counted too). */
  QUEUE_JOIN_LIMIT_PER_MINUTE_PER_SESSION: perMinute.default(10),
  /** Holds placed (API and add-to-cart together) per shopper session per minute. */
  RESERVE_LIMIT_PER_MINUTE_PER_SESSION: perMinute.default(60),
  /** Holds placed per client address per minute (many shoppers may share one address). */
  RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: perMinute.default(300),
  /**
   * Socket handshakes per client address per minute, both namespaces together. A tab opens one per
   * page load and one per reconnect (every 0.25–1 s while a sidecar is away); many shoppers may
   * share an address.
   */
  SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: perMinute.default(600),
  /** `subscribe` requests per client address per minute (a page sends one per connection). */
  SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: perMinute.default(1200),
  /** Failed back-office sign-ins allowed per email and client address per 15 minutes (lib/core/rate-limit.ts: the others). */
  LOGIN_LIMIT_PER_15_MINUTES: perMinute.default(10),
});

const schema = limitsSchema.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url("must be a postgresql:// URL"),
  REDIS_URL: z.string().url("must be a redis:// URL"),
  /**
   * Redis Cluster seed nodes, comma-separated host:port (e.g. "10.0.0.1:6379,10.0.0.2:6379").
   * When set, the app and sidecar talk to the cluster instead of REDIS_URL (still required, and
   * used by the tooling that starts local processes).
   */
  REDIS_CLUSTER_NODES: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, "must be a comma-separated list of host:port")
      .optional(),
  ),
  PORT: port.default(3000),
  REALTIME_PORT: port.default(3001),
  /** Public URL of the Socket.IO sidecar as the browser sees it; derived from the page's host when unset. */
  NEXT_PUBLIC_REALTIME_URL: z.string().url().optional(),
  /** Origins allowed to open sockets (comma-separated); defaults to the storefront on localhost. */
  STOREFRONT_ORIGIN: z.string().optional(),
  HOLD_TTL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
  /** Seconds before expiry at which the cart warns the shopper. */
  HOLD_WARNING_SECONDS: z.coerce.number().int().min(1).default(60),
  ADMIN_API_TOKEN: optionalSecret,
  /** The first admin of the back office, created at the first sign-in attempt when no user has this email. */
  ADMIN_EMAIL: z.email("must be an email address").optional(),
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  WEBHOOK_SECRET: optionalSecret,
  QUEUE_TOKEN_SECRET: optionalSecret,
  /** HMAC key of the shopper session cookie; required in production (lib/auth/session-id.ts). */
  SESSION_SECRET: optionalSecret,
  /** Prefix of every Redis key and channel, so several stores (or test runs) share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9:_-]*$/i)
    .default("sw:"),
  /** Least severe log line written (lib/core/log.ts reads it directly, so it works before the rest is valid). */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /**
   * Test facility: a file to which every /api answer is appended as a JSON line (method, path,
   * status, content type, JSON body), for the e2e suite's check against the OpenAPI document.
   * Read directly by lib/core/http.ts, like LOG_LEVEL. Never set in production.
   */
  STOCKWIRE_API_RECORD: z.string().min(1).optional(),
  /** How often each sale's admitter ticks, in milliseconds. */
  QUEUE_TICK_MS: z.coerce.number().int().min(20).max(5_000).default(250),
  /** Coalescing window of the realtime gateway, in milliseconds. */
  REALTIME_COALESCE_MS: z.coerce.number().int().min(0).max(1000).default(25),
  /** How often the sidecar compares Redis with the ledger, in seconds. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
  /** Whether the scheduled reconciliation pass repairs drift too (default: it only reports). */
  RECONCILE_AUTO_REPAIR: z
    .enum(["0", "1", "false", "true"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
});

export type Config = z.infer<typeof schema>;

export type RateLimits = z.infer<typeof limitsSchema>;
let cached: Config | undefined;
let cachedLimits: RateLimits | undefined;

function parse<T>(target: z.ZodType<T>): T {
  const parsed = target.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new Error(
      `Stockwire configuration is invalid:\n${lines.join("\n")}\n` +
        "Set these environment variables (see docs/configuration.md), or start with `npm run up`, which sets them for local processes.",
    );
  }
  return parsed.data;
}

/** The validated server configuration (throws a readable error on the first bad variable). */
export function config(): Config {
  cached ??= parse(schema);
  return cached;
}

/** The rate limits alone (the same schema's part; see limitsSchema). */
export function rateLimits(): RateLimits {
  cachedLimits ??= cached ?? parse(limitsSchema);
  return cachedLimits;
}

/** Test hook: forget the cached configuration after changing process.env. */
export function resetConfigForTests(): void {
  cached = undefined;
  cachedLimits = undefined;
}

/** Origins the realtime gateway accepts. */
export function allowedOrigins(cfg: Config = config()): string[] {
  if (cfg.STOREFRONT_ORIGIN)
    return cfg.STOREFRONT_ORIGIN.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return [`http://localhost:${cfg.PORT}`, `http://127.0.0.1:${cfg.PORT}`];
}
