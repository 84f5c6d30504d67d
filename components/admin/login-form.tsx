"use client";

import { useActionState } from "react";
import { logIn, type LogInState } from "@/app/admin/actions/log-in";
import { Icon } from "./icons";

/** Email + password; on success the action redirects to `next`. */
export function LoginForm({ next, notice }: { next: string; notice: string | null }) {
  const [state, formAction, pending] = useActionState<LogInState, FormData>(logIn, { ok: null });
  const failed = state.ok === false;
  return (
    <form action={formAction} className="adm-login__form" aria-describedby={failed ? "login-error" : undefined}>
      {failed ? (
        <p id="login-error" className="adm-alert adm-alert--error" role="alert" data-testid="login-error">
          <Icon name="alert" />
          <span>{state.message}</span>
        </p>
      ) : notice ? (
        <p className="adm-alert adm-alert--info" role="status" data-testid="login-notice">
          <Icon name="check" />
          <span>{notice}</span>
        </p>
      ) : null}
      <input type="hidden" name="next" value={next} />
      <div className="adm-field">
        <label htmlFor="login-email" className="adm-label">
          Work email
        </label>
        <input
          id="login-email"
          className="adm-input"
          name="email"
          type="email"
          autoComplete="username"
          required
          maxLength={254}
          autoFocus
          placeholder="you@yourshop.com"
          defaultValue={failed ? state.email : ""}
          aria-invalid={failed || undefined}
          data-testid="login-email"
        />
      </div>
      <div className="adm-field">
        <label htmlFor="login-password" className="adm-label">
          Password
        </label>
        <input
          id="login-password"
          className="adm-input"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={256}
          aria-invalid={failed || undefined}
          data-testid="login-password"
        />
      </div>
      <button
        type="submit"
        className="adm-button adm-button--primary adm-button--block adm-button--large"
        disabled={pending}
        data-testid="login-submit"
      >
        {pending ? (
          <>
            <span className="adm-spinner" aria-hidden="true" /> Signing in…
          </>
        ) : (
          "Sign in"
        )}
      </button>
    </form>
  );
}
