// Child process of the bench (tests/bench/storefront.ts): POST /api/v1/reservations on a bare
// node:http server, doing what the Next.js route does (app/api/v1/reservations/route.ts) with
// the same lib/ functions (session cookie, both rate limits, size-limited zod-validated JSON,
// Idempotency-Key, placeReservation, the same JSON answer) and nothing of Next.js. Its
// requests per second are the ceiling the real route is compared with.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { reservationBody } from "../../lib/api/schemas";
import { DomainError, isDomainError } from "../../lib/core/errors";
import { limitReservations } from "../../lib/core/rate-limit";
import { createRedis } from "../../lib/core/redis";
import { placeReservation } from "../../lib/reservations";
import { isValidSessionId, SESSION_COOKIE } from "../../lib/auth/session-id";
import { benchDeps } from "./shared";

const MAX_BODY_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new DomainError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sessionFrom(req: IncomingMessage): string {
  const value = /(?:^|;\s*)sw_sid=([^;]*)/.exec(req.headers.cookie ?? "")?.[1];
  if (!isValidSessionId(value)) throw new DomainError("unauthorized", `No shopper session (${SESSION_COOKIE}).`);
  return value;
}

async function serve(redisUrl: string, prefix: string): Promise<void> {
  const redis = createRedis(redisUrl, "bench-bare-http");
  const deps = benchDeps(redis, prefix);
  const server = createServer(async (req, res) => {
    if (req.method !== "POST" || req.url !== "/api/v1/reservations") return send(res, 404, { error: { code: "not_found" } });
    try {
      const sessionId = sessionFrom(req);
      await limitReservations(deps, { sessionId, address: req.socket.remoteAddress ?? "unknown" });
      const text = await readBody(req);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new DomainError("invalid_request", "The body is not valid JSON.");
      }
      const parsed = reservationBody.safeParse(raw);
      if (!parsed.success) throw new DomainError("invalid_request", parsed.error.issues[0]?.message ?? "invalid request");
      const key = req.headers["idempotency-key"];
      if (typeof key === "string" && !/^[\x21-\x7e]{1,255}$/.test(key)) throw new DomainError("invalid_request", "bad Idempotency-Key");
      const placed = await placeReservation(deps, {
        sessionId,
        items: parsed.data.items,
        idempotencyKey: typeof key === "string" ? key : null,
        source: "api",
      });
      send(
        res,
        placed.replayed ? 200 : 201,
        {
          id: placed.id,
          expiresAt: new Date(placed.expiresAt).toISOString(),
          items: placed.items.map(({ sku, quantity }) => ({ sku, quantity })),
        },
        placed.replayed ? { "idempotent-replayed": "true" } : {},
      );
    } catch (err) {
      if (isDomainError(err)) send(res, err.status, err.toJSON());
      else send(res, 500, { error: { code: "internal_error", message: String(err) } });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send?.({ type: "ready", port: (server.address() as AddressInfo).port });
  process.once("disconnect", () => process.exit(0));
}

const [redisUrl, prefix] = process.argv.slice(2);
serve(redisUrl!, prefix!).catch((err: unknown) => {
  console.error("[bench bare http]", err);
  process.exit(1);
});
