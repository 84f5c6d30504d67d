"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { skuCode } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { setSafetyStock as setSkuSafetyStock, type StockRow } from "@/lib/stock";
import { asStaff, formError, type ActionState } from "@/lib/actions";

const Input = z.object({
  sku: skuCode,
  safety: z.coerce
    .number({ message: "Safety stock is a whole number, 0 or more." })
    .int("Safety stock is a whole number, 0 or more.")
    .min(0, "Safety stock is a whole number, 0 or more.")
    .max(10_000_000, "Safety stock is at most 10,000,000."),
});

export type SetSafetyStockState = ActionState<{ message: string; row: StockRow }>;

/** Units of a SKU kept back from online sale (on hand stays as it is). */
export async function setSafetyStock(_prev: SetSafetyStockState, formData: FormData): Promise<SetSafetyStockState> {
  const input = Input.safeParse({ sku: formData.get("sku"), safety: String(formData.get("safety") ?? "").trim() || undefined });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "setSafetyStock", async (staff) => {
    const row = await setSkuSafetyStock(appDeps(), { ...input.data, source: "admin", actor: staff.actor });
    revalidatePath(`/admin/stock/${row.sku}`);
    return { message: `Safety stock of ${row.sku} is ${row.safety}; ${Math.max(0, row.available)} available online.`, row };
  });
}
