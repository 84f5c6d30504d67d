// First: the global tokens and base styles come before every component's CSS module, so a module
// rule wins over a global one of the same specificity (CSS is ordered as it is imported).
import "./globals.css";
import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { CartLink } from "@/components/cart/cart-link";
import { HoldChip } from "@/components/cart/hold-chip";
import { CartProvider, type CartSnapshot } from "@/components/cart/cart-context";
import { RealtimeProvider } from "@/components/realtime/realtime-provider";
import { config } from "@/lib/core/config";
import { appDeps } from "@/lib/core/deps";
import { sessionReservations } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { logFor } from "@/lib/core/log";

const logger = logFor("storefront");

export const metadata: Metadata = {
  title: { default: "Stockwire — live stock, held for you", template: "%s · Stockwire" },
  description: "A storefront where every count is live and what you add to your cart is held just for you.",
};

export const viewport: Viewport = {
  themeColor: "#ffffff",
  width: "device-width",
  initialScale: 1,
};

/** The shopper's live holds for the header (an empty cart when the store cannot be reached). */
async function loadCart(): Promise<CartSnapshot> {
  try {
    const sessionId = await currentSessionId();
    const reservations = await sessionReservations(appDeps(), sessionId);
    return {
      holds: reservations
        .filter((r) => r.status === "held")
        .map((r) => ({ id: r.id, expiresAt: r.expiresAt, quantity: r.items.reduce((sum, i) => sum + i.quantity, 0) })),
      serverNow: Date.now(),
    };
  } catch (err) {
    logger.error("[layout] could not load the cart", err);
    return { holds: [], serverNow: Date.now() };
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is per shopper (session cookie, live holds): render at request time only, so
  // the configuration (and the sidecar's address) is read at run time, never at build time.
  await connection();
  const cfg = config();
  const cart = loadCart();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <RealtimeProvider realtimeUrl={cfg.NEXT_PUBLIC_REALTIME_URL ?? null} realtimePort={cfg.REALTIME_PORT}>
          <CartProvider snapshot={cart} warningSeconds={cfg.HOLD_WARNING_SECONDS} holdTtlSeconds={cfg.HOLD_TTL_SECONDS}>
            <header className="site-header">
              <div className="site-header__inner">
                <Link href="/" className="brand" aria-label="Stockwire home">
                  <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true">
                    <rect width="32" height="32" rx="9" fill="currentColor" />
                    <path
                      d="M6 17h5l3-7 4 13 3-6h5"
                      fill="none"
                      stroke="#fff"
                      strokeWidth="2.6"
                      strokeLinecap="round"
                      strokeLinejoin="round"
                    />
                  </svg>
                  <span className="brand__name">Stockwire</span>
                </Link>
                <nav className="site-nav" aria-label="Main">
                  <Link href="/" className="site-nav__link">
                    Shop
                  </Link>
                  <HoldChip />
                  <CartLink />
                </nav>
              </div>
            </header>
            <main id="main" className="site-main">
              {children}
            </main>
            <footer className="site-footer">
              <div className="site-footer__inner">
                <span>
                  <strong>Stockwire</strong> — live stock counts, holds that really hold.
                </span>
                <span className="muted">Items in your cart are reserved for {Math.round(cfg.HOLD_TTL_SECONDS / 60)} minutes.</span>
              </div>
            </footer>
          </CartProvider>
        </RealtimeProvider>
      </body>
    </html>
  );
}
