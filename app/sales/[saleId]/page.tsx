import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import breadcrumbStyles from "@/components/breadcrumbs.module.css";
import { LiveStockScope } from "@/components/realtime/live-stock";
import { SaleRoom } from "@/components/sale/sale-room";
import { config } from "@/lib/core/config";
import { appDeps, type Deps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { publicSale, ticketFor, ticketStatus, type PublicSale, type TicketStatus } from "@/lib/sales";
import { currentSessionId } from "@/lib/auth/shopper-session";
import type { Availability } from "@/lib/shared/types";

type Props = { params: Promise<{ saleId: string }> };

/** The sale (read once per request: the metadata and the page share it), or the 404 page. */
const loadSale = cache(async (saleId: string): Promise<PublicSale> => {
  try {
    return await publicSale(appDeps(), saleId);
  } catch (err) {
    if (isDomainError(err) && err.code === "not_found") notFound();
    throw err;
  }
});

/** The shopper's own place (a reload or a second tab shows the same one), or null before joining. */
async function loadTicket(deps: Deps, saleId: string, sessionId: string, ticket: string): Promise<TicketStatus | null> {
  try {
    return await ticketStatus(deps, saleId, sessionId, ticket);
  } catch (err) {
    if (isDomainError(err) && err.code === "not_found") return null;
    throw err;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const sale = await loadSale((await params).saleId);
  return { title: `${sale.name} — flash sale`, description: sale.description || undefined };
}

export default async function SalePage({ params }: Props) {
  const { saleId } = await params;
  const deps = appDeps();
  const sale = await loadSale(saleId);
  const sessionId = await currentSessionId();
  const ticketId = ticketFor(sale.id, sessionId);
  const mine = sale.counters.status === "closed" ? null : await loadTicket(deps, sale.id, sessionId, ticketId);
  const initial: Availability[] = sale.products.flatMap((p) =>
    p.variants.map((v) => ({ sku: v.sku, available: v.available, version: v.version })),
  );
  // The ticket and the counters of one snapshot belong together (a client applies frames on top of both).
  const counters = mine ?? sale.counters;

  return (
    <div className="page sale-page">
      <nav className={breadcrumbStyles.breadcrumbs} aria-label="Breadcrumb">
        <Link href="/">Shop</Link>
        <span aria-hidden="true">/</span>
        <span>Flash sale</span>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{sale.name}</span>
      </nav>
      <LiveStockScope initial={initial}>
        <SaleRoom
          sale={{
            id: sale.id,
            name: sale.name,
            description: sale.description,
            perShopperLimit: sale.perShopperLimit,
            admissionWindowSeconds: sale.admissionWindowSeconds,
            graceSeconds: sale.graceSeconds,
            products: sale.products,
          }}
          counters={{
            status: counters.status,
            tick: counters.tick,
            admitted: counters.admitted,
            admittedThrough: counters.admittedThrough,
            waiting: counters.waiting,
            prequeue: counters.prequeue,
            unitsLeft: counters.unitsLeft,
            stockLeft: counters.stockLeft,
            rate: counters.rate,
            startsAt: counters.startsAt || Date.parse(sale.startsAt),
            now: counters.now || Date.now(),
          }}
          ticketId={ticketId}
          ticket={mine?.ticket ?? null}
          token={mine?.token ?? null}
          holdMinutes={Math.max(1, Math.round(config().HOLD_TTL_SECONDS / 60))}
        />
      </LiveStockScope>
    </div>
  );
}
