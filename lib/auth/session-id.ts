// The shopper session: an unguessable random id, issued by the server (proxy.ts, on the first
// page view or API call) in an httpOnly cookie as `<id>.<HMAC-SHA256 of the id>`. Only a cookie
// whose signature checks out names a session, so a client can neither mint an id of its own nor
// fix one on somebody else's browser. Reservations and Idempotency-Keys are scoped to the id
// (the part before the dot; Redis keys use it as it is). Web Crypto only: proxy.ts runs here too.
import { config } from "../core/config";

export const SESSION_COOKIE = "sw_sid";
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

const SESSION_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Binds the key to this one use, should the secret ever be shared with something else. */
const LABEL = "stockwire shopper session v1:";
/**
 * Used only outside production when SESSION_SECRET is unset (next dev, unit tests): well known,
 * so sessions there can be forged, which is why production refuses to run without the variable.
 */
const DEVELOPMENT_SECRET = "stockwire-development-session-secret";

/** Whether a value has the shape of a session id (the verified part of the cookie). */
export function isValidSessionId(value: string | undefined | null): value is string {
  return typeof value === "string" && SESSION_PATTERN.test(value);
}

/** 128 random bits, URL-safe (works in every runtime that has Web Crypto). */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return toBase64Url(bytes);
}

/** The configured SESSION_SECRET; outside production a fixed development key when it is unset. */
export function sessionSecret(): string {
  const cfg = config();
  if (cfg.SESSION_SECRET) return cfg.SESSION_SECRET;
  if (cfg.NODE_ENV === "production") {
    throw new Error(
      "Stockwire configuration is invalid:\n  SESSION_SECRET: is required in production (16+ random characters; `npm run up` generates one).",
    );
  }
  return DEVELOPMENT_SECRET;
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

/** The cookie value that names session `id`. */
export async function signSessionId(id: string, secret: string = sessionSecret()): Promise<string> {
  if (!isValidSessionId(id)) throw new Error("not a session id");
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(LABEL + id));
  return `${id}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The session id a cookie value names, or null when it is unsigned, malformed or forged. */
export async function verifySessionCookie(value: string | null | undefined, secret: string = sessionSecret()): Promise<string | null> {
  if (typeof value !== "string") return null;
  const dot = value.indexOf(".");
  if (dot < 0) return null;
  const id = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!isValidSessionId(id) || !SIGNATURE_PATTERN.test(signature)) return null;
  const bytes = fromBase64Url(signature);
  if (toBase64Url(bytes) !== signature) return null; // one spelling per signature
  // subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), bytes, new TextEncoder().encode(LABEL + id));
  return ok ? id : null;
}

/** A fresh session: its id and the signed cookie value that names it. */
export async function issueSession(secret: string = sessionSecret()): Promise<{ id: string; cookie: string }> {
  const id = newSessionId();
  return { id, cookie: await signSessionId(id, secret) };
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
