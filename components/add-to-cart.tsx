"use client";

import Link from "next/link";
import { useActionState, useId, useState } from "react";
import { addToCart, type AddToCartState } from "@/app/actions/add-to-cart";
import statusStyles from "./action-status.module.css";
import styles from "./add-to-cart.module.css";
import { useCart } from "./cart/cart-context";
import { useHydrated } from "./use-hydrated";
import { MAX_PER_ADD } from "@/lib/shared/limits";

const IDLE: AddToCartState = { ok: null };

let optimisticSeq = 0;

/**
 * Quantity + "Add to cart" for one variant. The hold shows at once (header count,
 * "Reserving…"); a refusal rolls it back and says why.
 */
export function AddToCart({ sku, available, variantLabel }: { sku: string; available: number; variantLabel: string }) {
  const { update } = useCart();
  const hydrated = useHydrated();
  const quantityId = useId();
  const [chosen, setQuantity] = useState(1);

  const [state, formAction, isPending] = useActionState<AddToCartState, FormData>(async (prev, formData) => {
    const requested = Number(formData.get("quantity"));
    // Lives exactly as long as this action: replaced by the server's cart on success,
    // dropped (rolled back) when the server refuses.
    update({
      type: "hold",
      id: `optimistic-${++optimisticSeq}`,
      quantity: Number.isFinite(requested) ? requested : 1,
      expiresAt: Number.POSITIVE_INFINITY,
    });
    return addToCart(prev, formData);
  }, IDLE);

  const soldOut = available <= 0;
  const max = Math.max(1, Math.min(MAX_PER_ADD, available));

  // The chosen quantity, kept within what is left as the live count drops (derived, not synced).
  const quantity = Math.min(chosen, max);

  const message = isPending
    ? `Reserving ${quantity} × ${variantLabel}…`
    : state.ok === true
      ? state.message
      : state.ok === false
        ? state.error.message
        : "";
  const tone = isPending
    ? "pending"
    : state.ok === true
      ? state.quantity < state.requested
        ? "warning"
        : "success"
      : state.ok === false
        ? "error"
        : "idle";

  return (
    <form action={formAction} className={styles.form}>
      <input type="hidden" name="sku" value={sku} />
      <div className={styles.row}>
        <div className={styles.quantity}>
          <label htmlFor={quantityId} className="field-label">
            Quantity
          </label>
          <select
            id={quantityId}
            name="quantity"
            data-testid="quantity"
            value={quantity}
            onChange={(e) => setQuantity(Number(e.target.value))}
            disabled={soldOut || isPending}
          >
            {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <button
          type="submit"
          className={`button button--primary button--large ${styles.submit}`}
          data-testid="add-to-cart"
          disabled={soldOut || isPending || !hydrated}
        >
          {soldOut ? (
            "Sold out"
          ) : isPending ? (
            <>
              <span className="spinner" aria-hidden="true" /> Reserving…
            </>
          ) : (
            "Add to cart"
          )}
        </button>
      </div>
      <p className={`${statusStyles.status} ${statusStyles[tone] ?? ""}`} data-testid="action-status" role="status" aria-live="polite">
        {message}
        {state.ok === true && !isPending && (
          <>
            {" "}
            <Link href="/cart" className={statusStyles.link}>
              View cart →
            </Link>
          </>
        )}
      </p>
      <p className={styles.note}>Adding to cart reserves the items for you for a limited time — nobody else can buy them meanwhile.</p>
    </form>
  );
}
