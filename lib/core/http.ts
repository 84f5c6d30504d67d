// Helpers shared by the /api route handlers: JSON in (size-limited, zod-validated), JSON out,
// and one place where errors become `{ error: { code, message } }` with a 4xx status.
import "server-only";
import { randomUUID } from "node:crypto";
import { appendFile } from "node:fs/promises";
import type { z } from "zod";
import { DomainError, isDomainError } from "./errors";
import { metrics } from "./metrics";
import { logFor } from "./log";
import { routeTemplate } from "./route-template";

const logger = logFor("api");

export const MAX_BODY_BYTES = 64 * 1024;

export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(data, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function errorResponse(err: unknown, requestId?: string): Response {
  if (isDomainError(err)) {
    metrics().httpErrors.inc({ code: err.code });
    const retryAfter = err.code === "rate_limited" ? err.details?.retryAfterSeconds : undefined;
    return json(err.toJSON(), err.status, typeof retryAfter === "number" ? { "retry-after": String(retryAfter) } : undefined);
  }
  // Infrastructure down (Redis/Postgres unreachable) is the one 5xx a client may see.
  const message = err instanceof Error ? err.message : String(err);
  logger.error("unexpected error", { err, requestId });
  metrics().httpErrors.inc({ code: "internal" });
  // ioredis gives up on a command after maxRetriesPerRequest while Redis is down
  // (MaxRetriesPerRequestError): that is an outage too, not a bug.
  const name = err instanceof Error ? err.name : "";
  const unavailable =
    name === "MaxRetriesPerRequestError" ||
    /ECONNREFUSED|ETIMEDOUT|Connection is closed|Can't reach database|connect|max retries per request/i.test(message);
  return json(
    {
      error: unavailable
        ? { code: "service_unavailable", message: "A backing service is unavailable; please retry shortly." }
        : { code: "internal_error", message: "Something went wrong on our side; it has been logged." },
    },
    unavailable ? 503 : 500,
  );
}

/** The request's id: the load balancer's `X-Request-Id` when it looks like one, else a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
}

/**
 * Wrap a handler so every thrown error becomes a JSON error response, and every request leaves one
 * log line: its id (also sent back as `X-Request-Id`), method, route template, status and duration.
 */
export function handle<C>(fn: (request: Request, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(request);
    let response: Response;
    try {
      response = await fn(request, context);
    } catch (err) {
      response = errorResponse(err, requestId);
    }
    try {
      response.headers.set("x-request-id", requestId);
    } catch {
      // an immutable response (a redirect): the id is in the log line only
    }
    const pathname = new URL(request.url).pathname;
    const route = routeTemplate(pathname);
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const line = { requestId, method: request.method, route, status: response.status, durationMs };
    // A load balancer probes health every few seconds: those lines only at debug.
    if (response.status >= 500) logger.error("request", line);
    else if (route === "/api/health") logger.debug("request", line);
    else logger.info("request", line);
    if (RECORD_TO) await recordAnswer(RECORD_TO, request.method, pathname, response);
    return response;
  };
}

/** STOCKWIRE_API_RECORD (docs/configuration.md): a test facility, read directly like LOG_LEVEL. */
const RECORD_TO = process.env.STOCKWIRE_API_RECORD;

/** Append one answer to the record file; a JSON body is read from a clone, so the client still gets it. */
async function recordAnswer(file: string, method: string, path: string, response: Response): Promise<void> {
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await response.clone().text() : null;
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie"));
  await appendFile(file, JSON.stringify({ method: method.toLowerCase(), path, status: response.status, type, headers, body }) + "\n");
}

/** Read and validate a JSON body; anything malformed is a 400, anything huge a 413. */
export async function readJson<T extends z.ZodType>(
  request: Request,
  schema: T,
  opts: { optional?: boolean; maxBytes?: number } = {},
): Promise<z.infer<T>> {
  const type = request.headers.get("content-type") ?? "";
  const max = opts.maxBytes ?? MAX_BODY_BYTES;
  const tooLarge = () => new DomainError("payload_too_large", `This request's body is limited to ${max.toLocaleString("en")} bytes.`);
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > max) throw tooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text) > max) throw tooLarge();
  let raw: unknown = undefined;
  if (text.trim() === "") {
    if (!opts.optional) throw new DomainError("invalid_request", "A JSON body is required.");
    raw = {};
  } else {
    if (type && !type.includes("json")) throw new DomainError("unsupported_media_type", "Send the body as application/json.");
    try {
      raw = JSON.parse(text);
    } catch {
      throw new DomainError("invalid_request", "The body is not valid JSON.");
    }
  }
  return parseWith(schema, raw);
}

/** Validate any value with a zod schema, as a 400 naming the first problem. */
export function parseWith<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new DomainError("invalid_request", `${where}${issue?.message ?? "invalid request"}`, {
      issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return parsed.data;
}

/** The Idempotency-Key header, validated (printable ASCII, at most 255 characters). */
export function idempotencyKey(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (key === null) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new DomainError("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.");
  }
  return key;
}
