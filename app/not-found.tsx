import Link from "next/link";

export default function NotFound() {
  return (
    <div className="page message-page">
      <p className="eyebrow">404</p>
      <h1 className="page-title">We couldn&rsquo;t find that</h1>
      <p className="muted">The page may have moved, or the product is no longer in the catalog.</p>
      <Link href="/" className="button button--primary">
        Back to the shop
      </Link>
    </div>
  );
}
