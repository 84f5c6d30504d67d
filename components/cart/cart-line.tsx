"use client";

import Link from "next/link";
import { useActionState } from "react";
import { dismissHold, type DismissHoldState } from "@/app/actions/dismiss-hold";
import { extendHold, type ExtendHoldState } from "@/app/actions/extend-hold";
import { holdAgain, type HoldAgainState } from "@/app/actions/hold-again";
import { releaseHold, type ReleaseHoldState } from "@/app/actions/release-hold";
import { formatPrice } from "../format";
import { ProductArt } from "../product-art";
import { useHydrated } from "../use-hydrated";
import { useCart } from "./cart-context";
import styles from "./cart-line.module.css";
import { HoldCountdown } from "./hold-countdown";
import type { CartLineData } from "./types";

type Announce = (message: string, tone: "success" | "error") => void;

/** One reservation in the cart: its items, a live countdown, extend / remove, or the expired notice. */
export function CartLine({ line, announce }: { line: CartLineData; announce: Announce }) {
  const { now, update, warningSeconds } = useCart();
  const hydrated = useHydrated();

  const [extended, extendAction, extending] = useActionState<ExtendHoldState, FormData>(
    async (prev, formData) => {
      const result = await extendHold(prev, formData);
      if (result.ok === true) {
        update({ type: "extend", id: line.id, expiresAt: result.expiresAt });
        announce(result.message, "success");
      } else if (result.ok === false) announce(result.error.message, "error");
      return result;
    },
    { ok: null },
  );

  const [, releaseAction, releasing] = useActionState<ReleaseHoldState, FormData>(
    async (prev, formData) => {
      update({ type: "release", id: line.id });
      const result = await releaseHold(prev, formData);
      announce(
        result.ok === true ? result.message : result.ok === false ? result.error.message : "",
        result.ok === false ? "error" : "success",
      );
      return result;
    },
    { ok: null },
  );

  const [, dismissAction, dismissing] = useActionState<DismissHoldState, FormData>(
    async (prev, formData) => {
      const result = await dismissHold(prev, formData);
      if (result.ok === false) announce(result.error.message, "error");
      return result;
    },
    { ok: null },
  );

  const [, holdAgainAction, holdingAgain] = useActionState<HoldAgainState, FormData>(
    async (prev, formData) => {
      const result = await holdAgain(prev, formData);
      if (result.ok === true) announce(result.message, "success");
      else if (result.ok === false) announce(result.error.message, "error");
      return result;
    },
    { ok: null },
  );

  const expiresAt = extended.ok === true ? Math.max(extended.expiresAt, line.expiresAt) : line.expiresAt;
  const expired = line.status === "expired" || (line.status === "held" && expiresAt <= now);
  const status = expired ? "expired" : line.status;
  const canExtend = !expired && line.status === "held" && !line.extended && extended.ok !== true;
  const total = line.items.reduce((sum, i) => sum + i.quantity * i.priceCents, 0);

  return (
    <li
      className={`${styles.line}${expired ? ` ${styles.expired}` : ""}${releasing ? ` ${styles.leaving}` : ""}`}
      data-testid="cart-line"
      data-reservation-id={line.id}
      data-status={status}
      aria-busy={releasing || extending || dismissing || holdingAgain}
    >
      <div className={styles.items}>
        {line.items.map((item) => (
          <div className={styles.item} key={item.sku}>
            <div className={styles.art}>
              <ProductArt hue={item.hue} name={item.productName} category={item.category} />
            </div>
            <div className={styles.text}>
              <h2 className={styles.name}>
                {item.productSlug ? <Link href={`/products/${item.productSlug}`}>{item.productName}</Link> : item.productName}
              </h2>
              <p className={styles.variant}>
                {item.label} · {formatPrice(item.priceCents)} each
              </p>
              <p className={styles.qty}>
                Qty {item.quantity}
                {item.requested > item.quantity && <span className="muted"> (you asked for {item.requested})</span>}
              </p>
            </div>
            <div className={styles.price}>{formatPrice(item.quantity * item.priceCents)}</div>
          </div>
        ))}
      </div>

      <div className={styles.footer}>
        {expired ? (
          <>
            <p className={styles.expiredNotice}>
              <svg viewBox="0 0 20 20" aria-hidden="true" className={styles.expiredIcon}>
                <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" strokeWidth="1.8" />
                <path d="M10 5.5v5M10 13.6v.4" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              </svg>
              Hold expired — the items went back on sale
            </p>
            <div className={styles.actions}>
              <form action={holdAgainAction}>
                <input type="hidden" name="reservationId" value={line.id} />
                <button
                  type="submit"
                  className="button button--primary"
                  data-testid="hold-again"
                  disabled={holdingAgain || dismissing || !hydrated}
                >
                  {holdingAgain ? "Holding…" : "Hold again"}
                </button>
              </form>
              <form action={dismissAction}>
                <input type="hidden" name="reservationId" value={line.id} />
                <button
                  type="submit"
                  className="button button--quiet"
                  data-testid="dismiss-hold"
                  disabled={dismissing || holdingAgain || !hydrated}
                >
                  {dismissing ? "Dismissing…" : "Dismiss"}
                </button>
              </form>
            </div>
          </>
        ) : line.status === "held" ? (
          <>
            <HoldCountdown expiresAt={expiresAt} now={now} warningSeconds={warningSeconds} />
            <div className={styles.actions}>
              {canExtend && (
                <form action={extendAction}>
                  <input type="hidden" name="reservationId" value={line.id} />
                  <button
                    type="submit"
                    className="button button--secondary"
                    data-testid="extend-hold"
                    disabled={extending || releasing || !hydrated}
                  >
                    {extending ? "Extending…" : "Extend hold"}
                  </button>
                </form>
              )}
              <form action={releaseAction}>
                <input type="hidden" name="reservationId" value={line.id} />
                <button type="submit" className="button button--quiet" data-testid="release-hold" disabled={releasing || !hydrated}>
                  {releasing ? "Removing…" : "Remove"}
                </button>
              </form>
            </div>
          </>
        ) : (
          <p className="muted">{line.status === "committing" ? "Checking out…" : `This reservation is ${line.status}.`}</p>
        )}
        <span className="visually-hidden">Line total {formatPrice(total)}</span>
      </div>
    </li>
  );
}
