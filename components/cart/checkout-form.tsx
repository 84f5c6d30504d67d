"use client";

import { useActionState } from "react";
import { checkOut, type CheckOutState } from "@/app/actions/check-out";
import { formatPrice } from "../format";
import noteStyles from "../payment-note.module.css";
import { useHydrated } from "../use-hydrated";
import styles from "./checkout-form.module.css";

type Announce = (message: string, tone: "success" | "error") => void;

/** Email + name; checks out every hold still live and goes to the order confirmation. */
export function CheckoutForm({
  reservationIds,
  totalCents,
  units,
  announce,
}: {
  reservationIds: string[];
  totalCents: number;
  units: number;
  announce: Announce;
}) {
  const [state, formAction, pending] = useActionState<CheckOutState, FormData>(
    async (prev, formData) => {
      const result = await checkOut(prev, formData);
      // On success the action redirects and this component goes away.
      if (result?.ok === false) announce(result.error.message, "error");
      return result ?? prev;
    },
    { ok: null },
  );
  const empty = reservationIds.length === 0;
  const hydrated = useHydrated();

  return (
    <form action={formAction} className={styles.checkout} aria-labelledby="checkout-title">
      <h2 id="checkout-title" className={styles.title}>
        Checkout
      </h2>
      <dl className={styles.rows}>
        <div>
          <dt>Items held</dt>
          <dd>{units}</dd>
        </div>
        <div>
          <dt>Shipping</dt>
          <dd>Free</dd>
        </div>
        <div className={styles.total}>
          <dt>Total</dt>
          <dd data-testid="cart-total">{formatPrice(totalCents)}</dd>
        </div>
      </dl>
      {reservationIds.map((id) => (
        <input key={id} type="hidden" name="reservationId" value={id} />
      ))}
      <div className="field">
        <label htmlFor="checkout-email" className="field-label">
          Email
        </label>
        <input
          id="checkout-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          placeholder="you@example.com"
          defaultValue={state.fields?.email ?? ""}
          data-testid="checkout-email"
        />
      </div>
      <div className="field">
        <label htmlFor="checkout-name" className="field-label">
          Name
        </label>
        <input
          id="checkout-name"
          name="name"
          type="text"
          autoComplete="name"
          required
          maxLength={120}
          placeholder="Ada Lovelace"
          defaultValue={state.fields?.name ?? ""}
          data-testid="checkout-name"
        />
      </div>
      <p className={noteStyles.note}>
        <svg viewBox="0 0 20 20" aria-hidden="true">
          <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M10 9v5M10 6.2v.3" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
        <span>Payment is out of scope in this demo: no card is charged.</span>
      </p>
      <button
        type="submit"
        className="button button--primary button--large button--block"
        data-testid="checkout-submit"
        disabled={empty || pending || !hydrated}
      >
        {pending ? (
          <>
            <span className="spinner" aria-hidden="true" /> Placing order…
          </>
        ) : empty ? (
          "Nothing held to check out"
        ) : (
          `Place order · ${formatPrice(totalCents)}`
        )}
      </button>
    </form>
  );
}
