import type { Metadata } from "next";
import { Icon } from "@/components/admin/icons";
import { CreateSaleForm } from "@/components/admin/sales/create-sale-form";
import { SaleCard } from "@/components/admin/sales/sale-card";
import { requireStaffPage } from "@/lib/auth/next";
import { salesBoard, skuChoices } from "@/lib/backoffice";
import { appDeps } from "@/lib/core/deps";

export const metadata: Metadata = { title: "Flash sales" };

export default async function SalesPage() {
  await requireStaffPage("merchandiser");
  const deps = appDeps();
  const [board, skus] = await Promise.all([salesBoard(deps), skuChoices(deps)]);
  const open = board.filter((b) => b.sale.status !== "closed");
  const closed = board.filter((b) => b.sale.status === "closed");

  return (
    <div className="adm-page" data-testid="admin-sales">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Selling</p>
          <h1 className="adm-title">Flash sales</h1>
          <p className="adm-lead">
            Limited stock behind a fair queue: shoppers are admitted in join order at the rate you set. The counters below move live,
            straight from the admitter.
          </p>
        </div>
      </header>

      <section className="adm-section" aria-labelledby="open-sales-title">
        <div className="adm-section__head">
          <h2 id="open-sales-title" className="adm-section__title">
            Open sales
          </h2>
          <p className="adm-muted">Scheduled, live, paused or sold out. Pausing stops admissions; turns already given stay valid.</p>
        </div>
        {open.length === 0 ? (
          <div className="adm-empty" data-testid="sales-empty">
            <Icon name="sales" />
            <p>No open sales. Schedule one below.</p>
          </div>
        ) : (
          <div className="adm-sales">
            {open.map(({ sale, counters }) => (
              <SaleCard key={sale.id} sale={sale} initial={counters} />
            ))}
          </div>
        )}
      </section>

      <section className="adm-box" aria-labelledby="new-sale-title">
        <div className="adm-box__head">
          <h2 id="new-sale-title" className="adm-box__title">
            Schedule a sale
          </h2>
          <p className="adm-muted">From the moment it is scheduled until it closes, its SKUs are sold only through its queue.</p>
        </div>
        <CreateSaleForm skus={skus} />
      </section>

      {closed.length ? (
        <section className="adm-section" aria-labelledby="closed-sales-title">
          <h2 id="closed-sales-title" className="adm-section__title">
            Recently closed
          </h2>
          <div className="adm-sales">
            {closed.map(({ sale }) => (
              <SaleCard key={sale.id} sale={sale} initial={null} />
            ))}
          </div>
        </section>
      ) : null}
    </div>
  );
}
