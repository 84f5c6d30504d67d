// Issues the signed shopper session cookie on the first page view or API call (and in place of
// any cookie whose signature does not check out: a client cannot choose its own session), and
// makes it visible to that same request so pages, actions and routes can rely on it. For back-office
// pages it also passes the requested path on, so a layout that has to send someone to the
// sign-in page can bring them back afterwards (layouts are not told their URL).
import { NextResponse, type NextRequest } from "next/server";
import { REQUESTED_PATH_HEADER } from "./lib/auth/paths";
import { issueSession, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, verifySessionCookie } from "./lib/auth/session-id";

export async function proxy(request: NextRequest) {
  // A path that is not valid percent-encoding would otherwise reach the router and fail as a
  // bare 500: answer it here as a client error, in the API's error shape.
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return NextResponse.json(
      { error: { code: "invalid_request", message: "The URL path is not valid percent-encoding." } },
      { status: 400, headers: { "cache-control": "no-store" } },
    );
  }
  // A Server Action posted from another origin: Next.js refuses it too, but as a bare 500.
  // Answer it as what it is, a forbidden cross-site request, before anything runs.
  if (request.method === "POST" && request.headers.has("next-action") && !isSameOrigin(request)) {
    return NextResponse.json(
      { error: { code: "cross_origin_request", message: "This form was sent from another site; reload the page and try again." } },
      { status: 403, headers: { "cache-control": "no-store" } },
    );
  }
  const hasSession = (await verifySessionCookie(request.cookies.get(SESSION_COOKIE)?.value)) !== null;
  const isAdmin = request.nextUrl.pathname === "/admin" || request.nextUrl.pathname.startsWith("/admin/");
  if (hasSession && !isAdmin) return NextResponse.next();
  // Never trust a client-sent copy of the header.
  request.headers.delete(REQUESTED_PATH_HEADER);
  if (isAdmin) {
    const url = request.nextUrl.clone();
    url.searchParams.delete("_rsc");
    request.headers.set(REQUESTED_PATH_HEADER, `${url.pathname}${url.search}`);
  }
  if (hasSession) return NextResponse.next({ request: { headers: request.headers } });
  const { cookie } = await issueSession();
  request.cookies.set(SESSION_COOKIE, cookie);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set({
    name: SESSION_COOKIE,
    value: cookie,
    httpOnly: true,
    sameSite: "lax",
    secure: request.nextUrl.protocol === "https:",
    path: "/",
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return response;
}

/**
 * Next.js's own rule for Server Actions: an Origin header, when present, must name the host the
 * request was sent to (X-Forwarded-Host behind a proxy). A request without Origin is left to
 * Next.js, which lets it through as browsers that omit it are not cross-site form posts.
 */
function isSameOrigin(request: NextRequest): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false; // "null" or garbage
  }
}

export const config = {
  // Everything except static assets and the machine endpoints.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/health|metrics).*)"],
};
