"use client";

import Link from "next/link";
import { useActionState, useEffect, useId, useRef, useState, type ReactNode } from "react";
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
export function AddToCart({
  sku,
  available,
  variantLabel,
  bar,
}: {
  sku: string;
  available: number;
  variantLabel: string;
  /** On a phone, a bar fixed to the bottom of the screen with these (the live badge, the price) and the button. */
  bar?: { badge: ReactNode; price: string };
}) {
  const { update } = useCart();
  const mainButton = useRef<HTMLButtonElement>(null);
  // The bar shows only while the panel's own button is off screen (scrolled past, or below the fold).
  const [buttonOffScreen, setButtonOffScreen] = useState(false);
  useEffect(() => {
    const el = mainButton.current;
    if (!el || !bar) return;
    const watch = new IntersectionObserver(([entry]) => setButtonOffScreen(!entry?.isIntersecting));
    watch.observe(el);
    return () => watch.disconnect();
  }, [bar]);
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
          ref={mainButton}
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
      {bar ? (
        <div className={styles.bar} data-testid="buy-bar" data-shown={buttonOffScreen} hidden={!buttonOffScreen}>
          {message && !isPending ? (
            <p className={`${styles.barMessage} ${statusStyles[tone] ?? ""}`} data-testid="buy-bar-message">
              {message}
              {state.ok === true ? (
                <>
                  {" "}
                  <Link href="/cart" className={statusStyles.link}>
                    View cart →
                  </Link>
                </>
              ) : null}
            </p>
          ) : null}
          <div className={styles.barRow}>
            <div className={styles.barInfo}>
              <span className={styles.barPrice}>{bar.price}</span>
              {bar.badge}
            </div>
            <button
              type="submit"
              className={`button button--primary ${styles.barButton}`}
              data-testid="buy-bar-add"
              disabled={soldOut || isPending || !hydrated}
            >
              {soldOut ? "Sold out" : isPending ? "Reserving…" : quantity > 1 ? `Add ${quantity} to cart` : "Add to cart"}
            </button>
          </div>
        </div>
      ) : null}
    </form>
  );
}
