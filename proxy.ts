// Issues the shopper session cookie on the first page view or API call, and makes it
// visible to that same request so pages, actions and routes can rely on it.
import { NextResponse, type NextRequest } from "next/server";
import { isValidSessionId, newSessionId, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from "./lib/session-id";

export function proxy(request: NextRequest) {
  if (isValidSessionId(request.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  const id = newSessionId();
  request.cookies.set(SESSION_COOKIE, id);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set({
    name: SESSION_COOKIE,
    value: id,
    httpOnly: true,
    sameSite: "lax",
    secure: request.nextUrl.protocol === "https:",
    path: "/",
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return response;
}

export const config = {
  // Everything except static assets and the machine endpoints.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/health|metrics).*)"],
};
