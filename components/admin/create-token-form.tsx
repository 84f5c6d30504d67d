"use client";

import { useActionState, useState } from "react";
import { createApiToken, type CreateApiTokenState } from "@/app/admin/actions/create-api-token";
import { ActionMessage } from "./action-message";
import { Icon } from "./icons";

/** Issue an API token and show its plaintext this once, with a copy button. */
export function CreateTokenForm() {
  const [state, formAction, pending] = useActionState<CreateApiTokenState, FormData>(createApiToken, { ok: null });
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="adm-token-create">
      <form action={formAction} className="adm-form adm-form--inline" data-testid="create-token-form">
        <div className="adm-field adm-field--grow">
          <label htmlFor="new-token-name" className="adm-label">
            Token name
          </label>
          <input
            id="new-token-name"
            className="adm-input"
            name="name"
            type="text"
            required
            maxLength={80}
            autoComplete="off"
            placeholder="e.g. Warehouse sync"
            data-testid="new-token-name"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="new-token-role" className="adm-label">
            Acts as
          </label>
          <select id="new-token-role" className="adm-input adm-select" name="role" defaultValue="merchandiser" data-testid="new-token-role">
            <option value="merchandiser">Merchandiser</option>
            <option value="admin">Admin</option>
          </select>
        </div>
        <button type="submit" className="adm-button adm-button--primary" disabled={pending} data-testid="create-token-submit">
          {pending ? <span className="adm-spinner" aria-hidden="true" /> : <Icon name="key" />}
          Create token
        </button>
      </form>
      {state.ok === true ? (
        <div className="adm-secret" role="status" data-testid="new-token">
          <p className="adm-secret__title">
            <Icon name="key" />
            <span>
              <strong>{state.name}</strong> — copy this token now. It is not shown again.
            </span>
          </p>
          <div className="adm-secret__value">
            <code data-testid="new-token-value">{state.token}</code>
            <button
              type="button"
              className="adm-button adm-button--secondary adm-button--small"
              onClick={() => {
                void navigator.clipboard?.writeText(state.token).then(
                  () => setCopied(state.token),
                  () => setCopied(null),
                );
              }}
            >
              <Icon name={copied === state.token ? "check" : "copy"} />
              {copied === state.token ? "Copied" : "Copy"}
            </button>
          </div>
          <p className="adm-hint">
            Send it as <code>Authorization: Bearer …</code> to the admin API; it acts as{" "}
            {state.role === "admin" ? "an admin" : "a merchandiser"}.
          </p>
        </div>
      ) : (
        <ActionMessage state={state} testId="create-token-status" />
      )}
    </div>
  );
}
