import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EventHead, EventRow } from "@/components/admin/activity/event-row";
import { SkuLevels } from "@/components/admin/stock/sku-levels";
import { StockChart } from "@/components/admin/stock/stock-chart";
import { decodeCursor, listEvents, skuTimeline } from "@/lib/backoffice";
import { SKU_PATTERN } from "@/lib/core/keys";
import { requireStaffPage } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";
import { stockRow } from "@/lib/stock";

type Params = { params: Promise<{ sku: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).sku)} · Stock` };
}

const PAGE = 25;

export default async function SkuPage({ params, searchParams }: Params) {
  await requireStaffPage("merchandiser");
  const sku = decodeURIComponent((await params).sku).toUpperCase();
  if (!SKU_PATTERN.test(sku)) notFound();
  const afterParam = (await searchParams).after;
  const after = typeof afterParam === "string" ? (decodeCursor(afterParam) ?? undefined) : undefined;
  const deps = appDeps();
  const row = await stockRow(deps, sku);
  if (!row) notFound();
  const [history, timeline] = await Promise.all([listEvents(deps, { sku }, { after, limit: PAGE }), skuTimeline(deps, sku, 1000)]);
  const now = Date.now();

  return (
    <div className="adm-page" data-testid="admin-sku">
      <nav aria-label="Breadcrumb" className="adm-crumbs">
        <Link href="/admin/stock">Stock</Link>
        <span aria-hidden="true">/</span>
        <span className="adm-mono" aria-current="page">
          {sku}
        </span>
      </nav>
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">{row.productName}</p>
          <h1 className="adm-title">
            {row.label} <span className="adm-title__sku adm-mono">{sku}</span>
          </h1>
          <p className="adm-lead">
            Location <strong>{row.location}</strong> · shown to shoppers at{" "}
            <Link href={`/products/${row.productSlug}`}>/products/{row.productSlug}</Link>
          </p>
        </div>
        <Link href={`/admin/activity?sku=${encodeURIComponent(sku)}`} className="adm-button adm-button--secondary">
          All activity for this SKU
        </Link>
      </header>

      <SkuLevels initial={row} />

      <section className="adm-box" aria-labelledby="chart-heading">
        <div className="adm-box__head">
          <div>
            <h2 id="chart-heading" className="adm-box__title">
              Over time
            </h2>
            <p className="adm-muted">Every change recorded in the ledger{timeline.length >= 1000 ? " (the last 1,000)" : ""}.</p>
          </div>
        </div>
        <StockChart events={timeline} now={now} />
      </section>

      <section className="adm-box" aria-labelledby="history-heading">
        <div className="adm-box__head">
          <div>
            <h2 id="history-heading" className="adm-box__title">
              History
            </h2>
            <p className="adm-muted">
              Newest first, from the ledger. Holds and releases change what is available; everything else changes what is on hand.
            </p>
          </div>
        </div>
        {history.events.length === 0 ? (
          <p className="adm-empty">{after ? "No older events." : "No events recorded yet."}</p>
        ) : (
          <div className="adm-table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on small screens">
            <table className="adm-table adm-events-table" data-testid="sku-history">
              <EventHead showSku={false} />
              <tbody>
                {history.events.map((e) => (
                  <EventRow key={e.version} event={e} now={now} showSku={false} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="adm-pager">
          {after ? (
            <Link href={`/admin/stock/${sku}`} className="adm-button adm-button--quiet adm-button--small">
              ← Newest
            </Link>
          ) : (
            <span />
          )}
          {history.next ? (
            <Link
              href={`/admin/stock/${sku}?after=${history.next}`}
              className="adm-button adm-button--secondary adm-button--small"
              data-testid="history-older"
            >
              Older events →
            </Link>
          ) : null}
        </div>
      </section>
    </div>
  );
}
