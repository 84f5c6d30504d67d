import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatPrice } from "@/components/format";
import styles from "@/components/order-page.module.css";
import noteStyles from "@/components/payment-note.module.css";
import { appDeps } from "@/lib/core/deps";
import { getOrder } from "@/lib/orders";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const metadata: Metadata = { title: "Order confirmed" };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeStyle: "short" });

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const order = await getOrder(appDeps(), await currentSessionId(), id);
  if (!order) notFound();
  const units = order.lines.reduce((sum, l) => sum + l.quantity, 0);

  return (
    <div className={`page ${styles.order}`}>
      <section className={styles.hero}>
        <div className={styles.check} aria-hidden="true">
          <svg viewBox="0 0 24 24">
            <path
              d="M5 12.5l4.2 4.2L19 7"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.6"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        </div>
        <p className="eyebrow">Order {order.status === "confirmed" ? "confirmed" : order.status}</p>
        <h1 className="page-title">{order.name ? <>Thank you, {order.name}!</> : <>Thank you!</>}</h1>
        <p className="muted">
          Your items are no longer held — they&rsquo;re yours.
          {order.email && (
            <>
              {" "}
              The order is on file under <strong>{order.email}</strong> (this demo sends no email).
            </>
          )}
        </p>
        <p className={styles.number}>
          Order number <span data-testid="order-number">{order.number}</span>
        </p>
      </section>

      <section className={styles.card} aria-labelledby="order-lines">
        <div className={styles.cardHeader}>
          <h2 id="order-lines">
            {units} {units === 1 ? "item" : "items"}
          </h2>
          <span className="muted">Placed {dateFormat.format(order.createdAt)}</span>
        </div>
        <table className={styles.lines}>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className={styles.num}>
                Qty
              </th>
              <th scope="col" className={styles.num}>
                Price
              </th>
              <th scope="col" className={styles.num}>
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.sku} data-testid="order-line">
                <td>
                  <span className={styles.product}>{line.productName}</span>
                  <span className={`muted ${styles.variant}`}>{line.label}</span>
                </td>
                <td className={styles.num}>{line.quantity}</td>
                <td className={styles.num}>{formatPrice(line.unitPriceCents)}</td>
                <td className={styles.num}>{formatPrice(line.quantity * line.unitPriceCents)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className={styles.num} data-testid="order-total">
                {formatPrice(order.totalCents)}
              </td>
            </tr>
          </tfoot>
        </table>
        <p className={noteStyles.note}>Payment is out of scope in this demo: no card was charged.</p>
      </section>
      <p className={styles.actions}>
        <Link href="/" className="button button--primary">
          Continue shopping
        </Link>
      </p>
    </div>
  );
}
