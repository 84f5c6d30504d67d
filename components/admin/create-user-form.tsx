"use client";

import { useActionState, useRef } from "react";
import { createUser, type CreateUserState } from "@/app/admin/actions/create-user";
import { ActionMessage } from "./action-message";

/** A password suggestion: 16 characters from an alphabet without look-alikes. */
function suggestPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

type FormState = CreateUserState & { fields?: { name: string; email: string; role: string } };

/** Admins add a staff member with a role and an initial password. */
export function CreateUserForm() {
  // A refused submission keeps what was typed (React resets the form after every action).
  const [state, formAction, pending] = useActionState<FormState, FormData>(
    async (prev, formData) => {
      const result = await createUser(prev, formData);
      if (result.ok !== false) return result;
      const field = (name: string) => String(formData.get(name) ?? "");
      return { ...result, fields: { name: field("name"), email: field("email"), role: field("role") } };
    },
    { ok: null },
  );
  const fields = state.ok === false ? state.fields : undefined;
  const password = useRef<HTMLInputElement>(null);
  return (
    <form action={formAction} className="adm-form" data-testid="create-user-form">
      <div className="adm-form__grid">
        <div className="adm-field">
          <label htmlFor="new-user-name" className="adm-label">
            Name
          </label>
          <input
            id="new-user-name"
            className="adm-input"
            name="name"
            type="text"
            required
            maxLength={120}
            autoComplete="off"
            placeholder="Ada Lovelace"
            defaultValue={fields?.name ?? ""}
            data-testid="new-user-name"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="new-user-email" className="adm-label">
            Email
          </label>
          <input
            id="new-user-email"
            className="adm-input"
            name="email"
            type="email"
            required
            maxLength={254}
            autoComplete="off"
            placeholder="ada@yourshop.com"
            defaultValue={fields?.email ?? ""}
            data-testid="new-user-email"
          />
        </div>
        <div className="adm-field">
          <label htmlFor="new-user-password" className="adm-label">
            Initial password
          </label>
          <div className="adm-input-group">
            <input
              id="new-user-password"
              ref={password}
              className="adm-input adm-input--mono"
              name="password"
              type="text"
              required
              minLength={8}
              maxLength={256}
              autoComplete="new-password"
              spellCheck={false}
              placeholder="At least 8 characters"
              aria-describedby="new-user-password-hint"
              data-testid="new-user-password"
            />
            <button
              type="button"
              className="adm-button adm-button--secondary"
              onClick={() => {
                if (password.current) password.current.value = suggestPassword();
              }}
            >
              Suggest
            </button>
          </div>
          <p id="new-user-password-hint" className="adm-hint">
            Hand it over in person; only an argon2id hash is stored.
          </p>
        </div>
      </div>
      <div className="adm-form__footer">
        <fieldset className="adm-field adm-roles">
          <legend className="adm-label">Role</legend>
          <label className="adm-role-option">
            <input
              type="radio"
              name="role"
              value="merchandiser"
              defaultChecked={fields?.role !== "admin"}
              data-testid="new-user-role-merchandiser"
            />
            <span>
              <strong>Merchandiser</strong>
              <span className="adm-muted">Stock, adjustments and flash sales.</span>
            </span>
          </label>
          <label className="adm-role-option">
            <input type="radio" name="role" value="admin" defaultChecked={fields?.role === "admin"} data-testid="new-user-role-admin" />
            <span>
              <strong>Admin</strong>
              <span className="adm-muted">Everything, plus users and API tokens.</span>
            </span>
          </label>
        </fieldset>
        <button type="submit" className="adm-button adm-button--primary" disabled={pending} data-testid="create-user-submit">
          {pending ? <span className="adm-spinner" aria-hidden="true" /> : null}
          Add staff member
        </button>
      </div>
      <ActionMessage state={state} testId="create-user-status" />
    </form>
  );
}
