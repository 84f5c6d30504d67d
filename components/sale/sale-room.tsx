"use client";

import Link from "next/link";
import { useActionState, useOptimistic, useState } from "react";
import { joinQueue, type JoinQueueState } from "@/app/actions/join-queue";
import type { SaleCounters, SaleStatus, TicketView } from "@/lib/sales";
import type { Product } from "@/lib/shared/types";
import { formatPrice, pluralize } from "../format";
import { useLiveLevels } from "../realtime/live-stock";
import perksStyles from "../perks.module.css";
import { ProductArt } from "../product-art";
import { StockBadge } from "../stock-badge";
import { formatSeconds } from "./format";
import { leaveQueue, type LeaveQueueState } from "./leave-queue";
import { QueuePanel } from "./queue-panel";
import { displayState, type DisplayState, type QueueModel } from "./queue-model";
import { SaleAddToCart } from "./sale-add-to-cart";
import styles from "./sale-room.module.css";
import { FlashIcon } from "./sale-link";
import { useQueue } from "./use-queue";

export interface SaleRoomSale {
  id: string;
  name: string;
  description: string;
  perShopperLimit: number;
  admissionWindowSeconds: number;
  graceSeconds: number;
  products: Product[];
}

type Pending = { type: "leave" };

function optimisticReducer(m: QueueModel, action: Pending): QueueModel {
  switch (action.type) {
    case "leave":
      return m.ticket ? { ...m, ticket: { ...m.ticket, state: "left", position: 0 }, token: null } : m;
  }
}

const SALE_STATUS: Record<SaleStatus, string> = {
  scheduled: "Opens soon",
  starting: "Opening",
  live: "Live now",
  paused: "Paused",
  soldout: "Sold out",
  closed: "Ended",
};

const STATUS_CLASS: Record<SaleStatus, string | undefined> = {
  scheduled: styles.statusScheduled,
  starting: styles.statusStarting,
  live: styles.statusLive,
  paused: styles.statusPaused,
  soldout: styles.statusSoldout,
  closed: styles.statusClosed,
};

/** A flash sale as a shopper sees it: the sale, the live line, and the items (buyable during the shopper's turn). */
export function SaleRoom({
  sale,
  counters,
  ticketId,
  ticket,
  token,
  holdMinutes,
}: {
  sale: SaleRoomSale;
  counters: SaleCounters;
  ticketId: string;
  ticket: TicketView | null;
  token: string | null;
  holdMinutes: number;
}) {
  const queue = useQueue({ saleId: sale.id, ticketId, admissionWindowSeconds: sale.admissionWindowSeconds, counters, ticket, token });
  const [model, applyOptimistic] = useOptimistic(queue.model, optimisticReducer);
  const state = displayState(model, queue.now);
  const saleStatus = model.counters.status;

  const live = useLiveLevels();
  const levelOf = (v: { sku: string; available: number; version: number }) => live(v.sku, { available: v.available, version: v.version });
  const unitsLeft = sale.products.reduce((sum, p) => sum + p.variants.reduce((s, v) => s + Math.max(0, levelOf(v).available), 0), 0);

  const [lastAction, setLastAction] = useState<"join" | "leave" | null>(null);
  const [joinState, joinAction, joining] = useActionState<JoinQueueState, FormData>(
    async (prev, formData) => {
      setLastAction("join");
      const result = await joinQueue(prev, formData);
      if (result.ok === true) {
        queue.adopt((current) => ({
          state: result.state,
          seq: result.seq,
          position: result.position,
          deadline: current?.deadline ?? 0,
          units: current?.units ?? 0,
        }));
      }
      return result;
    },
    { ok: null },
  );

  const [leaveState, leaveAction, leaving] = useActionState<LeaveQueueState, FormData>(
    async (prev, formData) => {
      setLastAction("leave");
      applyOptimistic({ type: "leave" });
      const result = await leaveQueue(prev, formData);
      if (result.ok === true) queue.adopt((current) => (current ? { ...current, state: "left", position: 0 } : null));
      return result;
    },
    { ok: null },
  );

  // The newer of the two results speaks; a join after a leave replaces the leave's sentence.
  const last = lastAction === "join" ? joinState : lastAction === "leave" ? leaveState : null;
  const message =
    last?.ok === false
      ? { text: last.error.message, tone: "error" as const }
      : last?.ok === true
        ? { text: last.message, tone: "success" as const }
        : null;

  const canBuy = state === "admitted";
  const units = model.ticket?.units ?? 0;
  const allowance = Math.max(0, sale.perShopperLimit - units);
  const optionCount = sale.products.reduce((n, p) => n + p.variants.length, 0);
  const itemCount = sale.products.length === 1 ? pluralize(optionCount, "option") : pluralize(sale.products.length, "product");

  return (
    <div className={styles.sale} data-sale={sale.id}>
      <header className={styles.header}>
        <div className={styles.heading}>
          <p className={`eyebrow ${styles.eyebrow}`}>
            <FlashIcon className={styles.flash} /> Flash sale
            <span className={`${styles.status} ${STATUS_CLASS[saleStatus] ?? ""}`}>{SALE_STATUS[saleStatus] ?? saleStatus}</span>
          </p>
          <h1 className={styles.title}>{sale.name}</h1>
          {sale.description && <p className={styles.description}>{sale.description}</p>}
        </div>
        <dl className={styles.facts}>
          <div className={`${styles.fact} ${styles.factUnits}`}>
            <dt>Units left</dt>
            <dd data-testid="sale-units-left" data-units={unitsLeft}>
              {unitsLeft}
            </dd>
          </div>
          <div className={styles.fact}>
            <dt>{saleStatus === "scheduled" || saleStatus === "starting" ? "Joined" : "In line"}</dt>
            <dd>{saleStatus === "scheduled" || saleStatus === "starting" ? model.counters.prequeue : model.counters.waiting}</dd>
          </div>
          <div className={styles.fact}>
            <dt>Limit</dt>
            <dd>
              {sale.perShopperLimit} <span>per shopper</span>
            </dd>
          </div>
          <div className={styles.fact}>
            <dt>Your turn</dt>
            <dd>{formatSeconds(sale.admissionWindowSeconds)}</dd>
          </div>
        </dl>
      </header>

      <div className={styles.layout}>
        <section className={styles.queue} aria-label="Your place in line">
          <QueuePanel
            sale={sale}
            state={state}
            model={model}
            now={queue.now}
            unitsLeft={unitsLeft}
            connection={queue.connection}
            holdMinutes={holdMinutes}
            join={{ action: joinAction, pending: joining }}
            leave={{ action: leaveAction, pending: leaving }}
            message={message}
          />
        </section>

        <section className={styles.items} aria-labelledby="sale-items-title">
          <div className={styles.itemsHeader}>
            <h2 id="sale-items-title">In this sale</h2>
            <p className="muted">{itemCount}</p>
          </div>
          <ul className={styles.products}>
            {sale.products.map((product) => {
              const levels = product.variants.map(levelOf);
              const soldOut = levels.every((l) => l.available <= 0);
              return (
                <li key={product.id} className={soldOut ? `${styles.product} ${styles.productSoldOut}` : styles.product}>
                  <div className={styles.productArt}>
                    <ProductArt hue={product.hue} name={product.name} category={product.category} />
                  </div>
                  <div className={styles.productBody}>
                    <div className={styles.productHead}>
                      <p className={styles.productCategory}>{product.category}</p>
                      <h3 className={styles.productName}>
                        <Link href={`/products/${product.slug}`}>{product.name}</Link>
                      </h3>
                    </div>
                    <ul className={styles.variants}>
                      {product.variants.map((variant, i) => {
                        const level = levels[i] ?? levelOf(variant);
                        return (
                          <li key={variant.sku} className={styles.variant} data-testid="sale-item" data-sku={variant.sku}>
                            <div className={styles.variantText}>
                              <span className={styles.variantLabel}>{variant.label}</span>
                              <span className={styles.variantMeta}>
                                <span className={styles.variantPrice}>{formatPrice(variant.priceCents)}</span>
                                <StockBadge
                                  sku={variant.sku}
                                  available={level.available}
                                  version={level.version}
                                  lowStockThreshold={product.lowStockThreshold}
                                />
                              </span>
                            </div>
                            <div className={styles.variantAction}>
                              {canBuy ? (
                                <SaleAddToCart
                                  sku={variant.sku}
                                  token={model.token}
                                  available={level.available}
                                  allowance={allowance}
                                  variantLabel={variant.label}
                                  onAdded={queue.refreshStatus}
                                />
                              ) : state === "soldout" ? null : (
                                <p className={styles.variantLocked}>
                                  <LockIcon /> {lockedReason(state)}
                                </p>
                              )}
                            </div>
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      </div>

      <section className={styles.how} aria-labelledby="sale-how-title">
        <h2 id="sale-how-title">How the line works</h2>
        <ul className={`${perksStyles.perks} ${styles.perks}`}>
          <li>
            <strong>A fair start.</strong> Everyone who joins before the start gets a random place at the start — no need to arrive early or
            refresh.
          </li>
          <li>
            <strong>One place per shopper.</strong> Joining again, reloading or opening a second tab keeps the same place.
          </li>
          <li>
            <strong>{formatSeconds(sale.admissionWindowSeconds)} per turn.</strong> When it&rsquo;s your turn, add up to{" "}
            {pluralize(sale.perShopperLimit, "item")} to your cart; they&rsquo;re held for {holdMinutes} minutes while you check out.
          </li>
          <li>
            <strong>Keep this page open.</strong> Away for more than {formatSeconds(sale.graceSeconds)} and your place goes to the next
            shopper.
          </li>
        </ul>
      </section>
    </div>
  );
}

function LockIcon() {
  return (
    <svg className={styles.variantLock} viewBox="0 0 20 20" aria-hidden="true">
      <rect x="4.5" y="9" width="11" height="8" rx="2" fill="none" stroke="currentColor" strokeWidth="1.7" />
      <path d="M7 9V6.8a3 3 0 0 1 6 0V9" fill="none" stroke="currentColor" strokeWidth="1.7" />
    </svg>
  );
}

function lockedReason(state: DisplayState): string {
  switch (state) {
    case "closed":
      return "Sale ended";
    case "done":
      return "Your turn is over";
    case "pre":
    case "waiting":
      return "Opens on your turn";
    default:
      return "Join the line to buy";
  }
}
