"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { skuCode } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { storableText } from "@/lib/shared/validation";
import { adjustStock as adjustSkuStock } from "@/lib/stock";
import { stockRow, type StockRow } from "@/lib/stock";
import { STAFF_ADJUSTMENT_REASONS } from "@/lib/shared/stock-reasons";
import { asStaff, formError, type ActionState } from "@/lib/actions";

const Input = z.object({
  sku: skuCode,
  delta: z.coerce
    .number({ message: "Enter the change as a whole number, e.g. 12 or -3." })
    .int("Enter the change as a whole number, e.g. 12 or -3.")
    .refine((d) => d !== 0, "Enter a change other than 0.")
    .refine((d) => Math.abs(d) <= 1_000_000, "A change is at most 1,000,000 units."),
  reason: z.enum(STAFF_ADJUSTMENT_REASONS, "Choose a reason for the change."),
  note: storableText({ max: 200 }).optional(),
  /** Chosen by the form per change: a resubmission after a lost answer applies once. */
  operation: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "Reload the page and try again.")
    .optional(),
});

export type AdjustStockState = ActionState<{ message: string; row: StockRow }>;

/** Change a SKU's on-hand count by a signed delta, with a reason that goes into the ledger. */
export async function adjustStock(_prev: AdjustStockState, formData: FormData): Promise<AdjustStockState> {
  const input = Input.safeParse({
    sku: formData.get("sku"),
    delta:
      String(formData.get("delta") ?? "")
        .replace(/^\+/, "")
        .replace("−", "-")
        .trim() || undefined,
    reason: formData.get("reason") || undefined,
    note: formData.get("note") || undefined,
    operation: formData.get("operation") || undefined,
  });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  const { sku, delta, reason, note, operation } = input.data;
  return asStaff(
    "merchandiser",
    "adjustStock",
    async (staff) => {
      const deps = appDeps();
      await adjustSkuStock(deps, {
        sku,
        delta,
        reason: note ? `${reason}: ${note}` : reason,
        type: reason === "received" ? "restock" : "adjust",
        source: "admin",
        actor: staff.actor,
        // Scoped to the person, so one merchandiser's id can never answer for another's change.
        operationId: operation ? `admin:${staff.actor}:${operation}` : undefined,
      });
      const row = await stockRow(deps, sku);
      if (!row) throw new Error(`SKU ${sku} vanished from the catalog`);
      revalidatePath(`/admin/stock/${sku}`);
      const units = Math.abs(delta) === 1 ? "unit" : "units";
      return {
        message: `${delta > 0 ? "Added" : "Removed"} ${Math.abs(delta)} ${units} (${reason}). ${sku} now has ${row.onHand} on hand, ${Math.max(0, row.available)} available.`,
        row,
      };
    },
    {
      unknown_sku: `${sku} is no longer in stock records; reload the page.`,
      idempotency_key_reused: "Your previous change may already have been saved; reload the page to check before trying again.",
    },
  );
}
