// Reading the shopper's session in Server Components, Server Actions and Route Handlers.
import "server-only";
import { cookies } from "next/headers";
import { DomainError } from "../core/errors";
import { SESSION_COOKIE, verifySessionCookie } from "./session-id";

/**
 * The current shopper's session id, from the signed cookie (proxy.ts issues one on every
 * request it matches and replaces any it cannot verify); an unsigned or forged value is refused.
 */
export async function currentSessionId(): Promise<string> {
  const id = await verifySessionCookie((await cookies()).get(SESSION_COOKIE)?.value);
  if (!id) throw new DomainError("unauthorized", "No shopper session: enable cookies and reload the page.");
  return id;
}
