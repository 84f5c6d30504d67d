"use client";

import Link from "next/link";
import { useActionState, useId, useState } from "react";
import { addToCart, type AddToCartState } from "@/app/actions/add-to-cart";
import statusStyles from "../action-status.module.css";
import { useCart } from "../cart/cart-context";
import { useHydrated } from "../use-hydrated";
import styles from "./sale-add-to-cart.module.css";
import { MAX_PER_ADD } from "@/lib/shared/limits";

const IDLE: AddToCartState = { ok: null };

let optimisticSeq = 0;

/**
 * "Add to cart" for one sale SKU during the shopper's turn: presents the admission token, so
 * the hold is all or nothing and counts against the per-shopper limit. The hold shows at once
 * in the header; a refusal rolls it back and says why.
 */
export function SaleAddToCart({
  sku,
  token,
  available,
  allowance,
  variantLabel,
  onAdded,
}: {
  sku: string;
  /** The admission token; null while it is being fetched. */
  token: string | null;
  available: number;
  /** Units this shopper may still take in the sale (per-shopper limit minus what is taken). */
  allowance: number;
  variantLabel: string;
  onAdded: () => void;
}) {
  const { update } = useCart();
  const hydrated = useHydrated();
  const quantityId = useId();
  const [chosen, setQuantity] = useState(1);

  const [state, formAction, isPending] = useActionState<AddToCartState, FormData>(async (prev, formData) => {
    const requested = Number(formData.get("quantity"));
    update({
      type: "hold",
      id: `optimistic-sale-${++optimisticSeq}`,
      quantity: Number.isFinite(requested) ? requested : 1,
      expiresAt: Number.POSITIVE_INFINITY,
    });
    const result = await addToCart(prev, formData);
    if (result.ok === true || (result.ok === false && result.error.code === "sale_limit_reached")) onAdded();
    return result;
  }, IDLE);

  const soldOut = available <= 0;
  const limitReached = allowance <= 0;
  const max = Math.max(1, Math.min(MAX_PER_ADD, available, allowance));
  // The chosen quantity, kept within what is left as the live count drops (derived, not synced).
  const quantity = Math.min(chosen, max);

  const disabled = soldOut || limitReached || !token || isPending || !hydrated;
  const label = isPending ? (
    <>
      <span className="spinner" aria-hidden="true" /> Reserving…
    </>
  ) : soldOut ? (
    "Sold out"
  ) : limitReached ? (
    "Limit reached"
  ) : !token ? (
    <>
      <span className="spinner" aria-hidden="true" /> Getting your pass…
    </>
  ) : (
    "Add to cart"
  );
  const message = isPending
    ? `Reserving ${quantity} × ${variantLabel}…`
    : state.ok === true
      ? state.message
      : state.ok === false
        ? state.error.message
        : "";
  const tone = isPending ? "pending" : state.ok === true ? "success" : state.ok === false ? "error" : "idle";

  return (
    <form action={formAction} className={styles.buy}>
      <input type="hidden" name="sku" value={sku} />
      <input type="hidden" name="queueToken" value={token ?? ""} />
      <div className={styles.row}>
        {max > 1 ? (
          <div className={styles.quantity}>
            <label htmlFor={quantityId} className="visually-hidden">
              Quantity of {variantLabel}
            </label>
            <select
              id={quantityId}
              name="quantity"
              value={quantity}
              onChange={(e) => setQuantity(Number(e.target.value))}
              disabled={disabled}
            >
              {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <input type="hidden" name="quantity" value="1" />
        )}
        <button type="submit" className="button button--primary" data-testid="sale-add-to-cart" data-sku={sku} disabled={disabled}>
          {label}
        </button>
      </div>
      <p
        className={`${statusStyles.status} ${statusStyles[tone] ?? ""} ${styles.status}`}
        data-testid="action-status"
        role="status"
        aria-live="polite"
      >
        {message}
        {state.ok === true && !isPending && (
          <>
            {" "}
            <Link href="/cart" className={`${statusStyles.link} ${styles.statusLink}`}>
              Check out →
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
