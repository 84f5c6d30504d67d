"use client";

import { useActionState } from "react";
import { runReconciliation, type RunReconciliationState } from "@/app/admin/actions/run-reconciliation";
import { ActionMessage } from "./action-message";
import { Icon } from "./icons";

/** "Check now" compares without changing anything; "Repair" re-runs drifted SKUs through the rebuild script. */
export function ReconcileControls({ hasDrift }: { hasDrift: boolean }) {
  const [state, formAction, pending] = useActionState<RunReconciliationState, FormData>(runReconciliation, { ok: null });
  return (
    <div className="adm-rec-controls">
      <form action={formAction} className="adm-rec-controls__buttons">
        <button
          type="submit"
          name="mode"
          value="check"
          className="adm-button adm-button--secondary"
          disabled={pending}
          data-testid="reconcile-check"
        >
          {pending ? <span className="adm-spinner" aria-hidden="true" /> : <Icon name="reconcile" />}
          Check now
        </button>
        <button
          type="submit"
          name="mode"
          value="repair"
          className="adm-button adm-button--primary"
          disabled={pending || !hasDrift}
          title={hasDrift ? "Rebuild the drifted SKUs from the ledger" : "Nothing to repair"}
          data-testid="reconcile-repair"
        >
          <Icon name="check" />
          Repair drift
        </button>
      </form>
      <ActionMessage state={state} testId="reconcile-status" />
    </div>
  );
}
