// Where the back office lives, and which "come back here after signing in" targets are allowed.
export const ADMIN_HOME = "/admin";
export const LOGIN_PATH = "/admin/login";
/** Request header in which proxy.ts passes the requested /admin path to layouts (they are not told it). */
export const REQUESTED_PATH_HEADER = "x-stockwire-path";

/**
 * A back-office path to return to after signing in, or the overview. Only same-site
 * `/admin…` paths pass, so `?next=` can never send anyone to another site.
 */
export function safeNextPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 512) return ADMIN_HOME;
  if (!/^\/admin(?:[/?#]|$)/.test(value) || /[\\\s]|\/\//.test(value)) return ADMIN_HOME;
  if (value === LOGIN_PATH || value.startsWith(`${LOGIN_PATH}?`) || value.startsWith(`${LOGIN_PATH}/`)) return ADMIN_HOME;
  return value;
}

/** The sign-in page, coming back to `next` afterwards. */
export function loginPath(next?: string | null): string {
  const target = safeNextPath(next);
  return target === ADMIN_HOME ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(target)}`;
}
