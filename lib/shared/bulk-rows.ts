// One row of a bulk stock sync, as the API (PUT /api/v1/admin/inventory) and the back office's
// Import screen read it: a count (`onHand`, the units physically there) or a movement (`delta`),
// with a reason. Client-safe (pure zod): the Import screen checks each row before it is sent.
import { z } from "zod";
import { SKU_PATTERN } from "../core/keys";
import { STAFF_ADJUSTMENT_REASONS } from "./stock-reasons";
import { storableText } from "./validation";

/** At most this many rows in one request (the Import screen sends a larger file in parts). */
export const BULK_MAX_ROWS = 10_000;

/** Every stock is at the one location today; the column is there for the locations to come. */
export const BULK_LOCATIONS = ["main"] as const;

export const BULK_REASONS = [...STAFF_ADJUSTMENT_REASONS, "channel"] as const;

export const bulkRow = z
  .strictObject({
    sku: z.string("must be a SKU code").trim().toUpperCase().regex(SKU_PATTERN, "must be a SKU code (A-Z, 0-9, '.', '_', '-')"),
    location: z.enum(BULK_LOCATIONS, "must be main (the only location)").optional(),
    onHand: z
      .number("must be a whole number")
      .int("must be a whole number")
      .min(0, "must be 0 or more")
      .max(10_000_000, "must be at most 10,000,000")
      .optional(),
    delta: z
      .number("must be a whole number")
      .int("must be a whole number")
      .min(-1_000_000, "must be at least -1,000,000")
      .max(1_000_000, "must be at most 1,000,000")
      .refine((d) => d !== 0, "must not be zero")
      .optional(),
    reason: z.enum(BULK_REASONS, `must be one of ${BULK_REASONS.join(", ")}`).optional(),
    note: storableText({ max: 500 }).optional(),
  })
  .refine((r) => (r.onHand === undefined) !== (r.delta === undefined), {
    message: "give either onHand (a count) or delta (a movement), not both",
    path: ["onHand"],
  });

export type BulkRowInput = z.infer<typeof bulkRow>;

/** The body of PUT /api/v1/admin/inventory: rows are checked one by one, so one bad row refuses only its SKU. */
export const bulkSyncBody = z.strictObject({
  rows: z
    .array(z.unknown())
    .min(1, "at least one row")
    .max(BULK_MAX_ROWS, `at most ${BULK_MAX_ROWS.toLocaleString("en")} rows per request`),
});

/** The first problem with a row, as "field: message", or null when the row is valid. */
export function bulkRowProblem(raw: unknown): { ok: true; row: BulkRowInput } | { ok: false; message: string } {
  const parsed = bulkRow.safeParse(raw);
  if (parsed.success) return { ok: true, row: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return { ok: false, message: `${where}${issue?.message ?? "not a valid row"}` };
}
