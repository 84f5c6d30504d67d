"use client";

import Link from "next/link";
import { useState } from "react";
import statusStyles from "../action-status.module.css";
import emptyStyles from "../empty-state.module.css";
import { CartLine } from "./cart-line";
import { useCart } from "./cart-context";
import styles from "./cart-view.module.css";
import { CheckoutForm } from "./checkout-form";
import type { CartLineData } from "./types";

/** The cart page's interactive part: lines with countdowns, one status region, the checkout form. */
export function CartView({ lines }: { lines: CartLineData[] }) {
  const { now, holds } = useCart();
  const [announcement, setAnnouncement] = useState<{ message: string; tone: "success" | "error" } | null>(null);
  const announce = (message: string, tone: "success" | "error") => setAnnouncement(message ? { message, tone } : null);

  // A line the shopper just removed disappears at once (optimistic), before the server confirms.
  const shown = new Set(holds.map((h) => h.id));
  const visible = lines.filter((l) => l.status !== "held" || shown.has(l.id));
  const expiresOf = new Map(holds.map((h) => [h.id, h.expiresAt]));
  const live = visible.filter((l) => l.status === "held" && Math.max(l.expiresAt, expiresOf.get(l.id) ?? 0) > now);
  const totalCents = live.reduce((sum, l) => sum + l.items.reduce((s, i) => s + i.quantity * i.priceCents, 0), 0);
  const units = live.reduce((sum, l) => sum + l.items.reduce((s, i) => s + i.quantity, 0), 0);

  return (
    <div className={styles.cart}>
      <section aria-label="Items in your cart">
        <p
          className={`${statusStyles.status} ${announcement ? statusStyles[announcement.tone] : ""} ${styles.status}`}
          data-testid="action-status"
          role="status"
          aria-live="polite"
        >
          {announcement?.message ?? ""}
        </p>
        {visible.length === 0 ? (
          <div className={emptyStyles.empty}>
            <svg viewBox="0 0 64 64" aria-hidden="true" className={emptyStyles.icon}>
              <path
                d="M8 12h7l6 30a5 5 0 0 0 5 4h22a5 5 0 0 0 5-4l4-20H18"
                fill="none"
                stroke="currentColor"
                strokeWidth="3"
                strokeLinecap="round"
                strokeLinejoin="round"
              />
              <circle cx="27" cy="54" r="3" fill="currentColor" />
              <circle cx="47" cy="54" r="3" fill="currentColor" />
            </svg>
            <h2>Your cart is empty</h2>
            <p className="muted">Items you add are held just for you while you decide.</p>
            <Link href="/" className="button button--primary">
              Browse the shop
            </Link>
          </div>
        ) : (
          <ul className={styles.lines}>
            {visible.map((line) => (
              <CartLine key={line.id} line={line} announce={announce} />
            ))}
          </ul>
        )}
      </section>
      {visible.length > 0 && (
        <aside className={styles.summary}>
          <CheckoutForm reservationIds={live.map((l) => l.id)} totalCents={totalCents} units={units} announce={announce} />
        </aside>
      )}
    </div>
  );
}
