// The shopper session id: an unguessable random token in an httpOnly cookie, issued by
// proxy.ts on the first page view or API call. Reservations and Idempotency-Keys are scoped to it.
export const SESSION_COOKIE = "sw_sid";
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

const SESSION_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export function isValidSessionId(value: string | undefined | null): value is string {
  return typeof value === "string" && SESSION_PATTERN.test(value);
}

/** 128 random bits, URL-safe (works in every runtime that has Web Crypto). */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
