"use client";

import { useActionState, useState } from "react";
import { createWebhook, type CreateWebhookState } from "@/app/admin/actions/create-webhook";
import { ActionMessage } from "./action-message";
import { Icon } from "./icons";

/** Subscribe a URL to stock changes and show its signing secret this once, with a copy button. */
export function CreateWebhookForm() {
  const [state, formAction, pending] = useActionState<CreateWebhookState, FormData>(createWebhook, { ok: null });
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="adm-token-create">
      <form action={formAction} className="adm-form adm-form--inline" data-testid="create-webhook-form">
        <div className="adm-field adm-field--grow">
          <label htmlFor="new-webhook-url" className="adm-label">
            Receiver URL
          </label>
          <input
            id="new-webhook-url"
            className="adm-input"
            name="url"
            type="url"
            required
            maxLength={2000}
            autoComplete="off"
            placeholder="https://erp.example.com/hooks/stock"
            data-testid="new-webhook-url"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="new-webhook-events" className="adm-label">
            Send
          </label>
          <select
            id="new-webhook-events"
            className="adm-input adm-select"
            name="events"
            defaultValue="all"
            data-testid="new-webhook-events"
          >
            <option value="all">Every stock change</option>
            <option value="low_stock">Low stock only</option>
            <option value="alerts">Alerts (low stock, sold out)</option>
          </select>
        </div>
        <button type="submit" className="adm-button adm-button--primary" disabled={pending} data-testid="create-webhook-submit">
          {pending ? <span className="adm-spinner" aria-hidden="true" /> : <Icon name="channels" />}
          Subscribe
        </button>
      </form>
      {state.ok === true ? (
        <div className="adm-secret" role="status" data-testid="new-webhook">
          <p className="adm-secret__title">
            <Icon name="key" />
            <span>
              <strong>{state.url}</strong> is subscribed. Copy its signing secret now — it is not shown again.
            </span>
          </p>
          <div className="adm-secret__value">
            <code data-testid="new-webhook-secret">{state.secret}</code>
            <button
              type="button"
              className="adm-button adm-button--secondary adm-button--small"
              onClick={() => {
                void navigator.clipboard?.writeText(state.secret).then(
                  () => setCopied(state.secret),
                  () => setCopied(null),
                );
              }}
            >
              <Icon name={copied === state.secret ? "check" : "copy"} />
              {copied === state.secret ? "Copied" : "Copy"}
            </button>
          </div>
          <p className="adm-hint">
            Each delivery carries <code>X-Stockwire-Signature: sha256=…</code>, the HMAC-SHA256 of the body with this secret.
          </p>
        </div>
      ) : (
        <ActionMessage state={state} testId="create-webhook-status" />
      )}
    </div>
  );
}
