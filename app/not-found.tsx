import Link from "next/link";
import styles from "@/components/message-page.module.css";

export default function NotFound() {
  return (
    <div className={`page ${styles.page}`}>
      <p className="eyebrow">404</p>
      <h1 className="page-title">We couldn&rsquo;t find that</h1>
      <p className="muted">The page may have moved, or the product is no longer in the catalog.</p>
      <Link href="/" className="button button--primary">
        Back to the shop
      </Link>
    </div>
  );
}
