// Staff access from Server Components and Server Actions (cookies, redirects). Route Handlers
// use requireStaff(request, role) directly.
import "server-only";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { db } from "../core/db";
import { identifyStaff, requireStaff, type StaffPrincipal } from "./guard";
import { loginPath, REQUESTED_PATH_HEADER } from "./paths";
import { hasRole, type StaffRole } from "./roles";
import { cameOverHttps, revokeStaffSession, STAFF_COOKIE, staffCookie } from "./sessions";

/** The staff member signed in on this request, or null (one database look-up per request). */
export const currentStaff = cache(async (): Promise<StaffPrincipal | null> => {
  const sessionToken = (await cookies()).get(STAFF_COOKIE)?.value ?? null;
  if (!sessionToken) return null;
  const check = await identifyStaff({ sessionToken }, { deps: { db: db() } });
  return check.ok ? check.staff : null;
});

/**
 * For every back-office layout and page: the signed-in staff member, or a redirect to the
 * sign-in page (coming back here afterwards), or the 403 page when their role is too low.
 * Layouts are not rendered again on client navigation, so each page calls this itself.
 */
export async function requireStaffPage(minimumRole: StaffRole): Promise<StaffPrincipal> {
  const staff = await currentStaff();
  if (!staff) redirect(loginPath((await headers()).get(REQUESTED_PATH_HEADER)));
  if (!hasRole(staff.role, minimumRole)) forbidden();
  return staff;
}

/** For Server Actions: the signed-in staff member with at least this role, or a 401/403 DomainError. */
export async function requireStaffAction(minimumRole: StaffRole): Promise<StaffPrincipal> {
  return requireStaff(await cookies(), minimumRole, { deps: { db: db() } });
}

/** Put a new session's token in the staff cookie (Secure when this request came over TLS). */
export async function setStaffSessionCookie(token: string, maxAgeSeconds: number): Promise<void> {
  const secure = cameOverHttps(await headers());
  (await cookies()).set(staffCookie(token, secure, maxAgeSeconds));
}

/** Log out: end the session in the database and remove the cookie. */
export async function endStaffSession(): Promise<void> {
  const store = await cookies();
  await revokeStaffSession({ db: db() }, store.get(STAFF_COOKIE)?.value);
  store.delete(STAFF_COOKIE);
}
