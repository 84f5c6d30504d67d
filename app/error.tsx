"use client";

import Link from "next/link";
import { useEffect } from "react";
import styles from "@/components/message-page.module.css";

export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);

  return (
    <div className={`page ${styles.page}`} role="alert">
      <p className="eyebrow">Something went wrong</p>
      <h1 className="page-title">We hit a snag loading this page</h1>
      <p className="muted">Your cart is safe — holds keep running while we sort this out. Please try again.</p>
      <div className={styles.actions}>
        <button type="button" className="button button--primary" onClick={() => retry()}>
          Try again
        </button>
        <Link href="/" className="button button--secondary">
          Back to the shop
        </Link>
      </div>
    </div>
  );
}
