"use client";

import { useActionState, useState } from "react";
import { revokeApiToken, type RevokeApiTokenState } from "@/app/admin/actions/revoke-api-token";

/** Revoke with a second, explicit click: a revoked token cannot be brought back. */
export function RevokeTokenForm({ tokenId, name }: { tokenId: string; name: string }) {
  const [state, formAction, pending] = useActionState<RevokeApiTokenState, FormData>(revokeApiToken, { ok: null });
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={formAction} className="adm-inline-form">
      <input type="hidden" name="tokenId" value={tokenId} />
      {confirming ? (
        <>
          <button type="submit" className="adm-button adm-button--small adm-button--danger" disabled={pending} data-testid={`token-revoke-confirm-${name}`}>
            Revoke for good
          </button>
          <button type="button" className="adm-button adm-button--small adm-button--quiet" onClick={() => setConfirming(false)} disabled={pending}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="adm-button adm-button--small adm-button--danger-quiet" onClick={() => setConfirming(true)} aria-label={`Revoke ${name}`} data-testid={`token-revoke-${name}`}>
          Revoke
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
