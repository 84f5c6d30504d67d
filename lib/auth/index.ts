// Staff access for the back office: accounts, sessions, API tokens and the one gate
// (requireStaff) every admin route, page, Server Action and socket goes through.
// Pages and Server Actions use ./next (cookies, redirects); everything here runs anywhere.
export {
  apiTokenIsLive,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  verifyApiToken,
  apiTokenName,
  API_TOKEN_PREFIX,
  type ApiTokenInfo,
} from "./api-tokens";
export { ensureFirstAdmin, GENERATED_ADMIN_EMAIL, type BootstrapResult } from "./bootstrap";
export {
  admitStaffSocket,
  bearerToken,
  identifyStaff,
  requireStaff,
  staffFromHandshake,
  stillGranted,
  type CookieReader,
  type StaffGrant,
  type StaffPrincipal,
} from "./guard";
export { bootstrapFirstAdmin, signIn, WRONG_CREDENTIALS, type SignedIn } from "./login";
export { hashPassword, verifyPassword } from "./passwords";
export { hasRole, staffRole, STAFF_ROLES, type StaffRole } from "./roles";
export {
  cameOverHttps,
  createStaffSession,
  revokeStaffSession,
  staffCookie,
  verifyStaffSession,
  STAFF_COOKIE,
  STAFF_SESSION_IDLE_SECONDS,
  STAFF_SESSION_MAX_SECONDS,
} from "./sessions";
export {
  authenticateUser,
  createUser,
  listUsers,
  normalizeEmail,
  setUserDisabled,
  staffEmail,
  staffName,
  staffPassword,
  type StaffUser,
} from "./users";
export { apiTokenCreateBody, staffRecordId, userCreateBody, userUpdateBody } from "./schemas";
export { ADMIN_HOME, LOGIN_PATH, loginPath, REQUESTED_PATH_HEADER, safeNextPath } from "./paths";
