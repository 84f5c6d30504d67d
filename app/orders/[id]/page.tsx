import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatPrice } from "@/components/format";
import { appDeps } from "@/lib/context";
import { getOrder } from "@/lib/orders";
import { currentSessionId } from "@/lib/session";

export const metadata: Metadata = { title: "Order confirmed" };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeStyle: "short" });

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const order = await getOrder(appDeps(), await currentSessionId(), id);
  if (!order) notFound();
  const units = order.lines.reduce((sum, l) => sum + l.quantity, 0);

  return (
    <div className="page order">
      <section className="order__hero">
        <div className="order__check" aria-hidden="true">
          <svg viewBox="0 0 24 24">
            <path d="M5 12.5l4.2 4.2L19 7" fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
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
        <p className="order__number">
          Order number <span data-testid="order-number">{order.number}</span>
        </p>
      </section>

      <section className="order__card" aria-labelledby="order-lines">
        <div className="order__card-header">
          <h2 id="order-lines">
            {units} {units === 1 ? "item" : "items"}
          </h2>
          <span className="muted">Placed {dateFormat.format(order.createdAt)}</span>
        </div>
        <table className="order__lines">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="num">
                Qty
              </th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.sku} data-testid="order-line">
                <td>
                  <span className="order__product">{line.productName}</span>
                  <span className="muted order__variant">{line.label}</span>
                </td>
                <td className="num">{line.quantity}</td>
                <td className="num">{formatPrice(line.unitPriceCents)}</td>
                <td className="num">{formatPrice(line.quantity * line.unitPriceCents)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="num" data-testid="order-total">
                {formatPrice(order.totalCents)}
              </td>
            </tr>
          </tfoot>
        </table>
        <p className="checkout__note">Payment is out of scope in this demo: no card was charged.</p>
      </section>
      <p className="order__actions">
        <Link href="/" className="button button--primary">
          Continue shopping
        </Link>
      </p>
    </div>
  );
}
