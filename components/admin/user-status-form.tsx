"use client";

import { useActionState } from "react";
import { setUserStatus, type SetUserStatusState } from "@/app/admin/actions/set-user-status";

/** Disable or enable one account, with the refusal (e.g. the last admin) shown beside the button. */
export function UserStatusForm({ userId, email, disabled }: { userId: string; email: string; disabled: boolean }) {
  const [state, formAction, pending] = useActionState<SetUserStatusState, FormData>(setUserStatus, { ok: null });
  return (
    <form action={formAction} className="adm-inline-form">
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="status" value={disabled ? "enabled" : "disabled"} />
      <button
        type="submit"
        className={`adm-button adm-button--small ${disabled ? "adm-button--secondary" : "adm-button--danger-quiet"}`}
        disabled={pending}
        aria-label={`${disabled ? "Enable" : "Disable"} ${email}`}
        data-testid={`user-toggle-${email}`}
      >
        {disabled ? "Enable" : "Disable"}
      </button>
      {state.ok === false ? (
        <span className="adm-inline-error" role="alert">
          {state.error.message}
        </span>
      ) : null}
    </form>
  );
}
