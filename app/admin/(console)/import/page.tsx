import type { Metadata } from "next";
import { Icon } from "@/components/admin/icons";
import { ImportStock } from "@/components/admin/import/import-stock";
import { requireStaffPage } from "@/lib/auth/next";
import { BULK_REASONS } from "@/lib/shared/bulk-rows";

export const metadata: Metadata = { title: "Import stock" };

const COLUMNS: { name: string; what: string }[] = [
  { name: "sku", what: "The SKU code, e.g. TEE-BLK-M. Required." },
  { name: "onHand", what: "A count: the units on the shelf now. Give this or delta." },
  { name: "delta", what: "A change: 12 adds twelve units, -3 removes three." },
  { name: "reason", what: `One of ${BULK_REASONS.join(", ")}. Counts default to recount, changes to correction.` },
  { name: "note", what: "Optional, kept in the stock history (up to 500 characters)." },
  { name: "location", what: "Optional; main is the only location for now." },
];

/** Stock from a spreadsheet: a CSV of counts or changes, previewed before anything is applied. */
export default async function ImportPage() {
  await requireStaffPage("merchandiser");
  return (
    <div className="adm-page adm-page--wide" data-testid="admin-import">
      <header className="adm-page__header adm-page__header--wrap">
        <div>
          <p className="adm-eyebrow">Inventory</p>
          <h1 className="adm-title">Import stock</h1>
          <p className="adm-lead">
            Update many SKUs at once from a spreadsheet: counts after a stocktake, or deliveries and write-offs. You see every row&rsquo;s
            effect before anything changes. To start from today&rsquo;s levels, download them, edit the onHand column and import the file.
          </p>
        </div>
        <a href="/api/v1/admin/inventory.csv" className="adm-button adm-button--secondary" download data-testid="import-export">
          <Icon name="stock" />
          Download current levels
        </a>
      </header>

      <details className="adm-box adm-import__columns">
        <summary className="adm-box__title">Columns the file may have</summary>
        <dl className="adm-import__column-list">
          {COLUMNS.map((c) => (
            <div key={c.name}>
              <dt>
                <code>{c.name}</code>
              </dt>
              <dd>{c.what}</dd>
            </div>
          ))}
        </dl>
        <p className="adm-muted">Other columns (the download&rsquo;s product, variant, reserved…) are ignored.</p>
      </details>

      <ImportStock />
    </div>
  );
}
