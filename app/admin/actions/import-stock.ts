"use server";

import { z } from "zod";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { skuCode } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import type { CurrentLevel } from "@/lib/shared/import-csv";
import { bulkSync, stockRows, type BulkRowResult } from "@/lib/stock";

/** SKUs one lookup may ask for (the screen asks in parts). */
const LOOKUP_MAX = 2_000;

export type LookUpState = ActionState<{ levels: CurrentLevel[] }>;

/** The import preview's current levels: for each SKU of the file that the catalog has, its product and counts. */
export async function lookUpImportSkus(skus: unknown): Promise<LookUpState> {
  const input = z.array(skuCode).min(1).max(LOOKUP_MAX).safeParse(skus);
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "lookUpImportSkus", async () => {
    const rows = await stockRows(appDeps(), { skus: [...new Set(input.data)] });
    return {
      levels: rows.map((r) => ({
        sku: r.sku,
        product: r.productName,
        variant: r.label,
        onHand: r.onHand,
        reserved: r.reserved,
        safety: r.safety,
      })),
    };
  });
}

const Part = z.strictObject({
  /** Chosen by the screen per import: a part re-sent after a lost answer applies once. */
  importId: z.uuid("Reload the page and try again."),
  part: z.number().int().min(0).max(1_000),
  rows: z.array(z.unknown()).min(1).max(2_000),
});

export type ApplyPartState = ActionState<{
  applied: number;
  unchanged: number;
  refused: number;
  /** Only the rows that were not applied, with why (positions within the part). */
  problems: Pick<BulkRowResult, "index" | "sku" | "code" | "message">[];
}>;

/** Apply one part of an import: one bulk sync, keyed by the import and the part. */
export async function applyImportPart(input: unknown): Promise<ApplyPartState> {
  const parsed = Part.safeParse(input);
  if (!parsed.success) return { ok: false, error: formError(parsed.error.issues) };
  const { importId, part, rows } = parsed.data;
  return asStaff(
    "merchandiser",
    "applyImportPart",
    async (staff) => {
      const result = await bulkSync(appDeps(), {
        rows,
        actor: staff.actor,
        source: "admin-import",
        idempotencyKey: `import:${importId}:${part}`,
      });
      return {
        applied: result.applied,
        unchanged: result.unchanged,
        refused: result.refused,
        problems: result.results
          .filter((r) => r.status === "refused")
          .map(({ index, sku, code, message }) => ({ index, sku, code, message })),
      };
    },
    {
      idempotency_key_reused: "This part of the import was already sent with other rows; reload the page and import the file again.",
    },
  );
}
