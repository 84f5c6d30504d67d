"use client";

import { useActionState } from "react";
import { acknowledgeAlert, type AcknowledgeAlertState } from "@/app/admin/actions/acknowledge-alert";
import { ActionMessage } from "../action-message";
import { Icon } from "../icons";

/** Acknowledge one open alert; the list re-renders from the server afterwards. */
export function AcknowledgeButton({ id, sku }: { id: string; sku: string }) {
  const [state, formAction, pending] = useActionState<AcknowledgeAlertState, FormData>(acknowledgeAlert.bind(null, id), { ok: null });
  return (
    <form action={formAction} className="adm-alerts__ack">
      <button
        type="submit"
        className="adm-button adm-button--secondary adm-button--small"
        disabled={pending}
        data-testid={`acknowledge-${sku}`}
      >
        {pending ? <span className="adm-spinner" aria-hidden="true" /> : <Icon name="check" />}
        Acknowledge
      </button>
      {state.ok === false ? <ActionMessage state={state} /> : null}
    </form>
  );
}
