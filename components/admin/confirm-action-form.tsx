"use client";

import { useActionState, useState } from "react";
import type { ActionState } from "@/lib/actions";

export interface ConfirmActionFormProps<T extends object> {
  /** A Server Action taking the form data (with the hidden field below). */
  action: (prev: ActionState<T>, formData: FormData) => Promise<ActionState<T>>;
  /** The hidden field that names what the action applies to. */
  field: { name: string; value: string };
  /** "Revoke", "Remove": the first button; the second reads "<verb> for good". */
  verb: string;
  /** What is acted on, for the screen reader label. */
  subject: string;
  testIds: { open: string; confirm: string };
}

/**
 * A destructive action behind a second, explicit click (revoking a token, removing a
 * subscription and its delivery log): neither can be undone.
 */
export function ConfirmActionForm<T extends object>({ action, field, verb, subject, testIds }: ConfirmActionFormProps<T>) {
  const [state, formAction, pending] = useActionState<ActionState<T>, FormData>(action, { ok: null });
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={formAction} className="adm-inline-form">
      <input type="hidden" name={field.name} value={field.value} />
      {confirming ? (
        <>
          <button
            type="submit"
            className="adm-button adm-button--small adm-button--danger"
            disabled={pending}
            data-testid={testIds.confirm}
          >
            {verb} for good
          </button>
          <button
            type="button"
            className="adm-button adm-button--small adm-button--quiet"
            onClick={() => setConfirming(false)}
            disabled={pending}
          >
            Keep
          </button>
        </>
      ) : (
        <button
          type="button"
          className="adm-button adm-button--small adm-button--danger-quiet"
          onClick={() => setConfirming(true)}
          aria-label={`${verb} ${subject}`}
          data-testid={testIds.open}
        >
          {verb}
        </button>
      )}
      {state.ok === false ? (
        <span className="adm-inline-error" role="alert">
          {state.error.message}
        </span>
      ) : null}
    </form>
  );
}
