// Shared shape of every storefront Server Action's result, and the one place that turns a
// thrown error into something a shopper may read. Not a Server Action file: types and a
// server-only helper used by the actions beside it.
import "server-only";
import { isDomainError, type ErrorCode } from "@/lib/core/errors";

export interface ActionError {
  code: ErrorCode | "unexpected";
  message: string;
}

/** `ok: null` is the state before the first submission. */
export type ActionState<T extends object = object> = { ok: null } | ({ ok: true } & T) | { ok: false; error: ActionError };

export const INVALID_INPUT: ActionError = {
  code: "invalid_request",
  message: "Something in that request didn't look right. Please try again.",
};

/**
 * Map a thrown error to a shopper-facing one. Domain errors with a wording in `messages`
 * use it; anything else is logged in full here and answered with a neutral sentence, so
 * stack traces and internals never reach the browser.
 */
export function shopperError(err: unknown, action: string, messages: Partial<Record<ErrorCode, string>> = {}): ActionError {
  if (isDomainError(err)) {
    const message = messages[err.code];
    if (message) return { code: err.code, message };
    if (err.code === "service_unavailable" || err.code === "rate_limited") return { code: err.code, message: err.message };
    console.warn(`[${action}] ${err.code}: ${err.message}`);
    return { code: err.code, message: "That didn't work. Please refresh the page and try again." };
  }
  console.error(`[${action}] unexpected error`, err);
  return { code: "unexpected", message: "Something went wrong on our side. Please try again in a moment." };
}
