"use client";

import { createContext, use, useContext, useEffect, useMemo, useOptimistic, useState, type ReactNode } from "react";

/** One live hold as the header needs it. */
export interface HeldSummary {
  id: string;
  quantity: number;
  expiresAt: number;
  /** True while an optimistic hold waits for the server's answer. */
  pending?: boolean;
}

/** What the layout loads for the header: the shopper's held reservations and the server's clock. */
export interface CartSnapshot {
  holds: HeldSummary[];
  /** Milliseconds since the epoch when the snapshot was taken (corrects the browser's clock). */
  serverNow: number;
}

/** Changes shown at once, before the server confirms them. */
export type CartAction =
  | { type: "hold"; id: string; quantity: number; expiresAt: number }
  | { type: "release"; id: string }
  | { type: "extend"; id: string; expiresAt: number };

function cartReducer(holds: HeldSummary[], action: CartAction): HeldSummary[] {
  switch (action.type) {
    case "hold":
      return [...holds, { id: action.id, quantity: action.quantity, expiresAt: action.expiresAt, pending: true }];
    case "release":
      return holds.filter((h) => h.id !== action.id);
    case "extend":
      return holds.map((h) => (h.id === action.id ? { ...h, expiresAt: action.expiresAt } : h));
  }
}

interface CartContextValue {
  holds: HeldSummary[];
  /** Units held right now (optimistic holds included, holds past their deadline excluded). */
  count: number;
  /** Apply an optimistic change; call inside an action or transition. */
  update: (action: CartAction) => void;
  /** The current time on the server's clock, in ms (updated every second). */
  now: number;
  /** Server clock minus browser clock, in ms. */
  clockOffset: number;
  warningSeconds: number;
  holdTtlSeconds: number;
}

const CartContext = createContext<CartContextValue | null>(null);

export function CartProvider({
  snapshot,
  warningSeconds,
  holdTtlSeconds,
  children,
}: {
  snapshot: Promise<CartSnapshot>;
  warningSeconds: number;
  holdTtlSeconds: number;
  children: ReactNode;
}) {
  const { holds: serverHolds, serverNow } = use(snapshot);
  const [holds, update] = useOptimistic(serverHolds, cartReducer);
  // Start on the server's time so the server render and hydration agree; tick after mount.
  const [now, setNow] = useState(serverNow);
  const [clockOffset, setClockOffset] = useState(0);

  useEffect(() => {
    const offset = serverNow - Date.now();
    // After mount only: the server render and hydration both use serverNow, then the clock starts.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setClockOffset(offset);
    setNow(Date.now() + offset);
    const timer = setInterval(() => setNow(Date.now() + offset), 1_000);
    return () => clearInterval(timer);
  }, [serverNow]);

  const count = holds.reduce((sum, h) => (h.pending || h.expiresAt > now ? sum + h.quantity : sum), 0);
  const value = useMemo(
    () => ({ holds, count, update, now, clockOffset, warningSeconds, holdTtlSeconds }),
    [holds, count, update, now, clockOffset, warningSeconds, holdTtlSeconds],
  );
  return <CartContext.Provider value={value}>{children}</CartContext.Provider>;
}

export function useCart(): CartContextValue {
  const ctx = useContext(CartContext);
  if (!ctx) throw new Error("useCart must be used inside <CartProvider>");
  return ctx;
}
