import Papa from "papaparse";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle } from "@/lib/core/http";
import { stockRows } from "@/lib/stock";

/** Current levels as a CSV in the Import screen's own columns, so an export can be edited and imported back. */
export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  const rows = await stockRows(appDeps());
  const csv = Papa.unparse(
    {
      fields: ["sku", "location", "product", "variant", "onHand", "reserved", "safety", "available"],
      data: rows.map((r) => [r.sku, r.location, r.productName, r.label, r.onHand, r.reserved, r.safety, Math.max(0, r.available)]),
    },
    // A product name such as "=HYPERLINK(…)" opens as text in a spreadsheet, not as a formula.
    { escapeFormulae: true },
  );
  const day = new Date().toISOString().slice(0, 10);
  return new Response(`${csv}\r\n`, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="stockwire-inventory-${day}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
