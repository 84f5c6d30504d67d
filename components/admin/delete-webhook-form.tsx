"use client";

import { useActionState, useState } from "react";
import { deleteWebhook, type DeleteWebhookState } from "@/app/admin/actions/delete-webhook";

/** Unsubscribe with a second, explicit click: the delivery log goes with it. */
export function DeleteWebhookForm({ subscriptionId, url }: { subscriptionId: string; url: string }) {
  const [state, formAction, pending] = useActionState<DeleteWebhookState, FormData>(deleteWebhook, { ok: null });
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={formAction} className="adm-inline-form">
      <input type="hidden" name="subscriptionId" value={subscriptionId} />
      {confirming ? (
        <>
          <button type="submit" className="adm-button adm-button--small adm-button--danger" disabled={pending} data-testid={`webhook-remove-confirm-${subscriptionId}`}>
            Remove for good
          </button>
          <button type="button" className="adm-button adm-button--small adm-button--quiet" onClick={() => setConfirming(false)} disabled={pending}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="adm-button adm-button--small adm-button--danger-quiet" onClick={() => setConfirming(true)} aria-label={`Remove ${url}`} data-testid={`webhook-remove-${subscriptionId}`}>
          Remove
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
