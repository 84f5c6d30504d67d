import Link from "next/link";
import styles from "./sale-link.module.css";

export interface SaleRef {
  id: string;
  name: string;
}

/** Shown instead of "Add to cart" for a variant sold only through a flash sale's line. */
export function SaleLink({ sale }: { sale: SaleRef }) {
  return (
    <div className={styles.saleLink} data-testid="sale-link" data-sale={sale.id}>
      <span className={styles.icon} aria-hidden="true">
        <FlashIcon />
      </span>
      <div className={styles.text}>
        <p>
          Part of the flash sale <strong>{sale.name}</strong>
        </p>
        <p className={styles.note}>Sold through a fair line: one place per shopper, served in order.</p>
      </div>
      <Link href={`/sales/${sale.id}`} className={`button button--primary ${styles.button}`}>
        Join the line
        <span aria-hidden="true">→</span>
      </Link>
    </div>
  );
}

export function FlashIcon({ className }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d="M11.2 1.8 4.6 11h4.6l-1 7.2L15.4 9h-4.7l.5-7.2Z" fill="currentColor" />
    </svg>
  );
}
