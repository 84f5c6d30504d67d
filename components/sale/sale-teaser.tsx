"use client";

// Flash sales where shoppers browse: the home page's banner for the next open sale and the badge
// on its products' cards ("Flash sale · starts in 4:12", "Flash sale · join the line"). The time
// is counted in the browser after hydration (the server render says "Flash sale · soon").
import Link from "next/link";
import { useEffect, useState } from "react";
import type { SaleTeaser } from "@/lib/sales/model";
import { formatCountdown } from "../format";
import { FlashIcon } from "./sale-link";
import styles from "./sale-teaser.module.css";

export type SaleTeaserData = Omit<SaleTeaser, "skus">;

function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, []);
  return now;
}

function phrase(sale: SaleTeaserData, now: number | null): { short: string; action: string } {
  if (sale.status === "soldout") return { short: "sold out", action: "See the sale" };
  if (sale.status === "paused") return { short: "paused", action: "Wait in line" };
  if (sale.status === "live" || (now !== null && now >= sale.startsAt)) return { short: "join the line", action: "Join the line" };
  if (now === null) return { short: "soon", action: "Get in line early" };
  const left = sale.startsAt - now;
  return {
    short:
      left > 24 * 3_600_000
        ? `starts ${new Date(sale.startsAt).toLocaleDateString("en-GB", { day: "numeric", month: "short" })}`
        : `starts in ${formatCountdown(left)}`,
    action: "Get in line early",
  };
}

/** The card's badge, in place of the stock badge, for a product in a flash sale. */
export function SaleBadge({ sale, ribbon = false }: { sale: SaleTeaserData; ribbon?: boolean }) {
  const { short } = phrase(sale, useNow());
  return (
    <span className={`${styles.badge}${ribbon ? ` ${styles.ribbon}` : ""}`} data-testid="sale-badge" data-sale={sale.id}>
      <FlashIcon className={styles.badgeIcon} />
      Flash sale · {short}
    </span>
  );
}

/** The home page's banner for the next open sale. */
export function SaleBanner({ sale }: { sale: SaleTeaserData }) {
  const { short, action } = phrase(sale, useNow());
  return (
    <section className={styles.banner} aria-labelledby="sale-banner-title" data-testid="sale-banner" data-sale={sale.id}>
      <span className={styles.bannerIcon} aria-hidden="true">
        <FlashIcon />
      </span>
      <div className={styles.bannerText}>
        <p className={styles.eyebrow}>Flash sale · {short}</p>
        <h2 id="sale-banner-title" className={styles.bannerTitle}>
          {sale.name}
        </h2>
        <p className={styles.note}>Limited stock, sold through a fair line: one place per shopper, served in the order you joined.</p>
      </div>
      <Link href={`/sales/${sale.id}`} className={`button button--primary ${styles.bannerButton}`}>
        {action}
        <span aria-hidden="true">→</span>
      </Link>
    </section>
  );
}
