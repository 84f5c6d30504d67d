"use client";

// Tells screen-reader users when the badge they are looking at changes live ("Black / M: Only 3
// left"), politely and at most once per THROTTLE_MS (the latest wording wins). Choosing another
// variant is the shopper's own doing and is not announced.
import { useEffect, useRef, useState } from "react";

const THROTTLE_MS = 5_000;

export function StockAnnouncer({ sku, text, label }: { sku: string; text: string; label: string }) {
  const [message, setMessage] = useState("");
  const seen = useRef({ sku, text });
  const lastAt = useRef(0);
  const lastSaid = useRef("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const before = seen.current;
    seen.current = { sku, text };
    if (before.sku !== sku || before.text === text) return;
    clearTimeout(timer.current);
    const say = `${label}: ${text}`;
    timer.current = setTimeout(
      () => {
        if (say === lastSaid.current) return;
        lastAt.current = Date.now();
        lastSaid.current = say;
        setMessage(say);
      },
      Math.max(0, lastAt.current + THROTTLE_MS - Date.now()),
    );
  }, [sku, text, label]);

  useEffect(() => () => clearTimeout(timer.current), []);

  return (
    <span className="visually-hidden" role="status" aria-live="polite" data-testid="stock-announcement">
      {message}
    </span>
  );
}
