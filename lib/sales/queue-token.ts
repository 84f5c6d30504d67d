// Flash-sale admission tokens: a JWT (HS256, signed with QUEUE_TOKEN_SECRET by jose) bound to
// one sale, one ticket and one shopper session, valid until the end of the shopper's turn.
// The token alone is not enough: the hold path also checks, in Redis, that the ticket's turn
// is still open (a turn given back ends even if the token has not expired yet).
import { createHash } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { DomainError } from "../core/errors";

const ISSUER = "stockwire";

export interface AdmissionClaims {
  saleId: string;
  ticket: string;
}

function secretKey(secret: string | undefined): Uint8Array {
  if (!secret) {
    throw new DomainError("service_unavailable", "Flash sales are not configured: QUEUE_TOKEN_SECRET is not set.");
  }
  return new TextEncoder().encode(secret);
}

/** What binds a token to a session without putting the session id (a secret cookie) in it. */
export function sessionFingerprint(sessionId: string): string {
  return createHash("sha256").update(`stockwire-session\u0000${sessionId}`).digest("base64url").slice(0, 22);
}

export async function signAdmissionToken(
  claims: AdmissionClaims & { sessionId: string; expiresAt: number },
  secret: string | undefined,
): Promise<string> {
  return new SignJWT({ sid: sessionFingerprint(claims.sessionId) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(`sale:${claims.saleId}`)
    .setSubject(claims.ticket)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt / 1000))
    .sign(secretKey(secret));
}

/**
 * The sale and ticket an admission token was issued for, or 403 queue_token_invalid when it
 * is forged, expired, malformed or issued to another session.
 */
export async function verifyAdmissionToken(token: string, sessionId: string, secret: string | undefined): Promise<AdmissionClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secretKey(secret), { issuer: ISSUER, algorithms: ["HS256"], clockTolerance: 0 }));
  } catch (err) {
    if (err instanceof DomainError) throw err;
    if (err instanceof errors.JWTExpired) {
      throw new DomainError("queue_token_invalid", "Your turn in the queue has ended; join the line again.");
    }
    throw new DomainError("queue_token_invalid", "This admission token is not valid.");
  }
  const audience = typeof payload.aud === "string" ? payload.aud : Array.isArray(payload.aud) ? payload.aud[0] : undefined;
  if (!audience?.startsWith("sale:") || typeof payload.sub !== "string") {
    throw new DomainError("queue_token_invalid", "This admission token is not valid.");
  }
  if (payload.sid !== sessionFingerprint(sessionId)) {
    throw new DomainError("queue_token_invalid", "This admission token belongs to another shopper.");
  }
  return { saleId: audience.slice(5), ticket: payload.sub };
}
