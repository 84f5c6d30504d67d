"use client";

import { useActionState } from "react";
import { resolveHeldChange, type ResolveHeldChangeState } from "@/app/admin/actions/resolve-held-change";
import { ActionMessage } from "./action-message";
import { Icon } from "./icons";

/** Resolve one held stock change with a note saying what was done; the list re-renders afterwards. */
export function ResolveHeldChange({ id, sku }: { id: string; sku: string }) {
  const [state, formAction, pending] = useActionState<ResolveHeldChangeState, FormData>(resolveHeldChange.bind(null, id), { ok: null });
  return (
    <form action={formAction} className="adm-alerts__ack">
      <label className="adm-sr-only" htmlFor={`held-note-${id}`}>
        What was done about this change to {sku}
      </label>
      <input
        id={`held-note-${id}`}
        name="note"
        className="adm-input"
        maxLength={500}
        required
        placeholder="What was done (e.g. counted again)"
      />
      <button
        type="submit"
        className="adm-button adm-button--secondary adm-button--small"
        disabled={pending}
        data-testid={`resolve-held-${sku}`}
      >
        {pending ? <span className="adm-spinner" aria-hidden="true" /> : <Icon name="check" />}
        Mark resolved
      </button>
      <ActionMessage state={state} />
    </form>
  );
}
