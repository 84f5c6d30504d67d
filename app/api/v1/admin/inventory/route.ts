import { bulkSyncBody } from "@/lib/shared/bulk-rows";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { DomainError } from "@/lib/core/errors";
import { handle, idempotencyKey, json, readJson } from "@/lib/core/http";
import { bulkSync, stockRows } from "@/lib/stock";

/** 10,000 rows with a note each fit: the sync's body may be larger than other routes'. */
const BULK_BODY_BYTES = 4 * 1024 * 1024;

/** Every SKU's current level (the JSON twin of inventory.csv). */
export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  const rows = await stockRows(appDeps());
  return json({
    levels: rows.map((r) => ({
      sku: r.sku,
      location: r.location,
      product: r.productName,
      variant: r.label,
      onHand: r.onHand,
      reserved: r.reserved,
      safety: r.safety,
      available: Math.max(0, r.available),
      version: r.version,
    })),
  });
});

/** Bulk sync: up to 10,000 counts or movements, atomic per SKU, once per Idempotency-Key. */
export const PUT = handle(async (request: Request) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const key = idempotencyKey(request);
  if (!key)
    throw new DomainError("invalid_request", "A bulk sync needs an Idempotency-Key header, so that a retry never applies it twice.");
  const body = await readJson(request, bulkSyncBody, { maxBytes: BULK_BODY_BYTES });
  return json(await bulkSync(appDeps(), { rows: body.rows, actor, source: "admin-api", idempotencyKey: key }));
});
