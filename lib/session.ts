// Reading the shopper's session in Server Components, Server Actions and Route Handlers.
import "server-only";
import { cookies } from "next/headers";
import { DomainError } from "./errors";
import { isValidSessionId, SESSION_COOKIE } from "./session-id";

/** The current shopper's session id (proxy.ts guarantees one on every request it matches). */
export async function currentSessionId(): Promise<string> {
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!isValidSessionId(value)) throw new DomainError("unauthorized", "No shopper session: enable cookies and reload the page.");
  return value;
}
