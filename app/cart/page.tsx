import type { Metadata } from "next";
import { CartView } from "@/components/cart/cart-view";
import type { CartLineData } from "@/components/cart/types";
import { describeSkus } from "@/lib/catalog";
import { appDeps } from "@/lib/core/deps";
import { sessionReservations } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const metadata: Metadata = { title: "Your cart" };

/** Reservations the cart shows: live holds, a checkout in flight, and ended holds until dismissed. */
const SHOWN = new Set(["held", "committing", "expired"]);

export default async function CartPage() {
  const deps = appDeps();
  const sessionId = await currentSessionId();
  const reservations = (await sessionReservations(deps, sessionId)).filter((r) => SHOWN.has(r.status));
  const skus = [...new Set(reservations.flatMap((r) => r.items.map((i) => i.sku)))];
  const described = skus.length > 0 ? await describeSkus(deps, skus) : new Map<string, never>();

  const lines: CartLineData[] = reservations
    .map((r) => ({
      id: r.id,
      status: r.status,
      expiresAt: r.expiresAt,
      extended: r.extended,
      items: r.items
        .filter((i) => i.quantity > 0)
        .map((i) => {
          const d = described.get(i.sku);
          return {
            sku: i.sku,
            quantity: i.quantity,
            requested: i.requested,
            label: d?.label ?? i.sku,
            productName: d?.productName ?? "Unavailable item",
            productSlug: d?.productSlug ?? null,
            hue: d?.hue ?? 220,
            category: "",
            priceCents: d?.priceCents ?? 0,
          };
        }),
    }))
    .filter((l) => l.items.length > 0)
    // Oldest first reads like a list the shopper built up.
    .reverse();

  return (
    <div className="page">
      <header className="page-header">
        <h1 className="page-title">Your cart</h1>
        <p className="muted">Everything here is reserved for you until its timer runs out.</p>
      </header>
      <CartView lines={lines} />
    </div>
  );
}
