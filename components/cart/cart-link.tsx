"use client";

import Link from "next/link";
import { useCart } from "./cart-context";
import styles from "./cart-link.module.css";

/** The header's cart link with the live number of held units. */
export function CartLink() {
  const { count, holds } = useCart();
  const pending = holds.some((h) => h.pending);
  return (
    // The name is the visible text plus words for the number ("Cart 2 items held"), so a voice
    // command for what is on screen ("click Cart 2") finds it.
    <Link href="/cart" className={styles.link} data-testid="cart-link">
      <svg className={styles.icon} viewBox="0 0 24 24" aria-hidden="true">
        <path
          d="M3 4h2.2l2.1 10.2a2 2 0 0 0 2 1.6h7.6a2 2 0 0 0 2-1.5L20.6 8H6.3"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
        <circle cx="10" cy="20" r="1.4" fill="currentColor" />
        <circle cx="17" cy="20" r="1.4" fill="currentColor" />
      </svg>
      <span className={styles.label}>Cart</span>{" "}
      <span
        className={`${styles.count}${count > 0 ? ` ${styles.full}` : ""}${pending ? ` ${styles.pending}` : ""}`}
        data-testid="cart-count"
      >
        {count}
      </span>
      <span className="visually-hidden"> {count === 1 ? "item" : "items"} held</span>
    </Link>
  );
}
