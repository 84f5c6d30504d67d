import type { Metadata } from "next";
import Link from "next/link";
import { Icon } from "@/components/admin/icons";
import { StockTable } from "@/components/admin/stock/stock-table";
import { requireStaffPage } from "@/lib/auth/next";
import { appDeps } from "@/lib/core/deps";
import { stockRows, type StockRow } from "@/lib/stock";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

export const metadata: Metadata = { title: "Stock" };

async function loadRows(): Promise<StockRow[] | null> {
  try {
    return await stockRows(appDeps());
  } catch (err) {
    logger.error("[admin] stock levels unavailable", err);
    return null;
  }
}

export default async function StockPage() {
  await requireStaffPage("merchandiser");
  const rows = await loadRows();
  return (
    <div className="adm-page adm-page--wide" data-testid="admin-stock">
      <header className="adm-page__header">
        <div>
          <p className="adm-eyebrow">Inventory</p>
          <h1 className="adm-title">Stock</h1>
          <p className="adm-lead">
            On hand, held and safety stock for every SKU, live. A change you make here reaches shoppers&rsquo; pages at once and is recorded
            in the <Link href="/admin/activity">activity log</Link> with your name and reason.
          </p>
        </div>
      </header>
      {rows === null ? (
        <p className="adm-alert adm-alert--error" role="status">
          <Icon name="alert" />
          <span>Stock levels are unavailable right now: the live stock service or the database did not answer. Try again in a moment.</span>
        </p>
      ) : (
        <StockTable initialRows={rows} serverNow={Date.now()} />
      )}
    </div>
  );
}
