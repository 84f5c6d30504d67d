// The one kit for every Server Action's result, storefront and back office alike: the state
// shape `useActionState` holds, the invalid-input answers, and the one place that turns a thrown
// error into a sentence a person may read (stack traces and internals never reach the browser).
// Not a Server Action file: types and server-only helpers used by the actions in app/.
import "server-only";
import { requireStaffAction } from "@/lib/auth/next";
import type { StaffPrincipal, StaffRole } from "@/lib/auth";
import { isDomainError, type ErrorCode } from "@/lib/core/errors";
import { logFor } from "../core/log";

const logger = logFor("actions");

export interface ActionError {
  code: ErrorCode | "unexpected";
  message: string;
}

/** `ok: null` is the state before the first submission. */
export type ActionState<T extends object = object> = { ok: null } | ({ ok: true } & T) | { ok: false; error: ActionError };

/** Who reads the answer: a shopper gets only the sentences written for them; staff also get the domain error's own message. */
export type Audience = "shopper" | "staff";

/** A storefront request that failed its schema. */
export const INVALID_INPUT: ActionError = {
  code: "invalid_request",
  message: "Something in that request didn't look right. Please try again.",
};

/** A back-office form that failed its schema. */
export const INVALID_FORM: ActionError = { code: "invalid_request", message: "Something in the form is missing or malformed." };

/** A zod failure as the first problem's message (back office: the schemas' messages are written for staff). */
export function formError(issues: { message: string }[]): ActionError {
  return { code: "invalid_request", message: issues[0]?.message ?? INVALID_FORM.message };
}

const UNEXPECTED = "Something went wrong on our side. Please try again in a moment.";

/**
 * Map a thrown error to the answer for `audience`. Domain errors with a wording in `messages` use
 * it. For a shopper, other domain errors get a neutral sentence (except "busy" and "slow down",
 * whose own messages are written for shoppers); staff read the domain error's message, and an
 * expired staff session says so. Anything that is not a domain error is logged in full here and
 * answered with a neutral sentence.
 */
export function actionError(
  err: unknown,
  action: string,
  audience: Audience,
  messages: Partial<Record<ErrorCode, string>> = {},
): ActionError {
  if (!isDomainError(err)) {
    logger.error(`[${action}] unexpected error`, err);
    return { code: "unexpected", message: UNEXPECTED };
  }
  const worded = messages[err.code];
  if (audience === "staff") {
    if (err.code === "unauthorized") return { code: err.code, message: "Your session has ended: sign in again." };
    return { code: err.code, message: worded ?? err.message };
  }
  if (worded) return { code: err.code, message: worded };
  if (err.code === "service_unavailable" || err.code === "rate_limited") return { code: err.code, message: err.message };
  logger.warn(`[${action}] ${err.code}: ${err.message}`);
  return { code: err.code, message: "That didn't work. Please refresh the page and try again." };
}

/** `actionError` for a shopper. */
export function shopperError(err: unknown, action: string, messages: Partial<Record<ErrorCode, string>> = {}): ActionError {
  return actionError(err, action, "shopper", messages);
}

/**
 * Run a back-office action's body as the signed-in staff member with at least `minimumRole` (the
 * session and role are checked again on every call: a layout check alone protects no action).
 */
export async function asStaff<T extends object>(
  minimumRole: StaffRole,
  action: string,
  body: (staff: StaffPrincipal) => Promise<T>,
  messages: Partial<Record<ErrorCode, string>> = {},
): Promise<ActionState<T>> {
  try {
    const staff = await requireStaffAction(minimumRole);
    return { ok: true, ...(await body(staff)) };
  } catch (err) {
    return { ok: false, error: actionError(err, action, "staff", messages) };
  }
}
