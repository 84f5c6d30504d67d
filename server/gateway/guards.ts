// Who may open a socket and how often. A browser announces its page's origin on every handshake,
// so one from a foreign origin is refused (cross-site WebSocket hijacking); a client that sends no
// Origin is not a browser (a mobile app, a partner's server) and is let in — faking an origin is
// trivial for such a client, so refusing it protected nothing. /admin asks for staff credentials
// on top (admin-namespace.ts). Handshakes and `subscribe` are counted per client address, in
// Redis, so every sidecar counts together.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { clientAddress, consume, socketHandshakeRule, socketSubscribeRule } from "../../lib/core/rate-limit";
import { isDomainError } from "../../lib/core/errors";
import type { GatewayDeps } from "./types";

/** Engine handshake check: no Origin (not a browser) or one of the storefront's own. */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return typeof origin === "string" && allowed.has(origin);
}

/** The address a socket is counted against: as for HTTP (the rightmost X-Forwarded-For), else the peer's. */
export function socketAddress(handshake: { headers: IncomingHttpHeaders; address: string }): string {
  const headers = new Headers();
  for (const name of ["x-forwarded-for", "x-real-ip"]) {
    const value = handshake.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return clientAddress(headers, handshake.address || "unknown");
}

/** What a refused connection tells its client (`connect_error`: `err.message` is the code, `err.data` the details). */
export class ConnectRefused extends Error {
  constructor(
    code: string,
    readonly data: { code: string; message: string; retryAfterSeconds?: number },
  ) {
    super(code);
  }
}

type Next = (err?: Error) => void;

/** Namespace middleware: one handshake counted per address (both namespaces together). */
export function limitHandshakes(deps: GatewayDeps) {
  return (socket: { handshake: { headers: IncomingHttpHeaders; address: string } }, next: Next) => {
    // Inside the promise: a throw while building the rule (a bad setting) refuses the socket, never hangs it.
    Promise.resolve()
      .then(() => consume(deps.deps, socketHandshakeRule(), socketAddress(socket.handshake)))
      .then(
        () => next(),
        (err: unknown) => {
          if (isDomainError(err) && err.code === "rate_limited") {
            const retryAfterSeconds = Number(err.details?.retryAfterSeconds ?? 1);
            return next(new ConnectRefused("rate_limited", { code: "rate_limited", message: err.message, retryAfterSeconds }));
          }
          next(err instanceof Error ? err : new Error("unavailable"));
        },
      );
  };
}

/** Count one `subscribe` of a socket's address; a refusal comes back as the ack's error. */
export async function limitSubscribe(
  deps: GatewayDeps,
  handshake: { headers: IncomingHttpHeaders; address: string },
): Promise<{ code: "rate_limited"; message: string } | null> {
  try {
    await consume(deps.deps, socketSubscribeRule(), socketAddress(handshake));
    return null;
  } catch (err) {
    if (isDomainError(err) && err.code === "rate_limited") return { code: "rate_limited", message: err.message };
    throw err;
  }
}
