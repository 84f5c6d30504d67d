"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { storableText } from "@/lib/shared/validation";
import { setLowStockThreshold as setProductThreshold } from "@/lib/stock";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({
  productId: storableText({ min: 1, max: 100 }),
  threshold: z.coerce
    .number({ message: "The threshold is a whole number from 0 to 10,000." })
    .int("The threshold is a whole number from 0 to 10,000.")
    .min(0, "The threshold is a whole number from 0 to 10,000.")
    .max(10_000, "The threshold is a whole number from 0 to 10,000."),
});

export type SetLowStockThresholdState = ActionState<{ message: string; productId: string; threshold: number; skus: string[] }>;

/** A product's low-stock threshold: at or under it, its variants count as low stock. */
export async function setLowStockThreshold(_prev: SetLowStockThresholdState, formData: FormData): Promise<SetLowStockThresholdState> {
  const input = Input.safeParse({
    productId: formData.get("productId"),
    threshold: String(formData.get("threshold") ?? "").trim() || undefined,
  });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "setLowStockThreshold", async (staff) => {
    const { productName, skus } = await setProductThreshold(appDeps(), input.data);
    logger.info(`[admin] ${staff.actor} set the low-stock threshold of ${input.data.productId} to ${input.data.threshold}`);
    revalidatePath("/admin/stock", "layout");
    return {
      message: `${productName}: low stock at ${input.data.threshold} or fewer (${skus.length} ${skus.length === 1 ? "variant" : "variants"}).`,
      productId: input.data.productId,
      threshold: input.data.threshold,
      skus,
    };
  });
}
