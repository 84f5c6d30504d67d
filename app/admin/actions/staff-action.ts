// Shared shape of the back office's Server Action results, and the one wrapper that checks
// the staff session and role and turns a thrown error into a sentence for the screen.
// Not a Server Action file: types and a server-only helper used by the actions beside it.
import "server-only";
import { requireStaffAction } from "@/lib/auth/next";
import type { StaffPrincipal, StaffRole } from "@/lib/auth";
import { isDomainError, type ErrorCode } from "@/lib/core/errors";

export interface StaffActionError {
  code: ErrorCode | "unexpected";
  message: string;
}

/** `ok: null` is the state before the first submission. */
export type StaffActionState<T extends object = object> = { ok: null } | ({ ok: true } & T) | { ok: false; error: StaffActionError };

export const INVALID_FORM: StaffActionError = { code: "invalid_request", message: "Something in the form is missing or malformed." };

/** A zod failure as the first problem's message. */
export function formError(issues: { message: string }[]): StaffActionError {
  return { code: "invalid_request", message: issues[0]?.message ?? INVALID_FORM.message };
}

/**
 * Run an action's body as the signed-in staff member with at least `minimumRole`. Domain
 * errors come back with their own message (or the one given in `messages`); anything else is
 * logged here and answered with a neutral sentence.
 */
export async function asStaff<T extends object>(
  minimumRole: StaffRole,
  action: string,
  body: (staff: StaffPrincipal) => Promise<T>,
  messages: Partial<Record<ErrorCode, string>> = {},
): Promise<StaffActionState<T>> {
  try {
    const staff = await requireStaffAction(minimumRole);
    return { ok: true, ...(await body(staff)) };
  } catch (err) {
    if (isDomainError(err)) {
      if (err.code === "unauthorized") return { ok: false, error: { code: err.code, message: "Your session has ended: sign in again." } };
      return { ok: false, error: { code: err.code, message: messages[err.code] ?? err.message } };
    }
    console.error(`[${action}] unexpected error`, err);
    return { ok: false, error: { code: "unexpected", message: "Something went wrong on our side. Please try again in a moment." } };
  }
}
