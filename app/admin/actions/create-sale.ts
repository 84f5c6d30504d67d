"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { saleId, skuCode } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { storableText } from "@/lib/shared/validation";
import { createSale as createSaleInLib } from "@/lib/sales";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({
  name: storableText({ max: 200 }).refine((s) => s.length > 0, "Give the sale a name."),
  id: saleId,
  skus: z.array(skuCode).min(1, "Pick at least one SKU.").max(200),
  startsAt: z.iso.datetime({ offset: true, message: "Choose a start time." }).transform((s) => new Date(s)),
  admissionRate: z.coerce.number().positive("The admission rate must be above 0.").max(10_000),
  perShopperLimit: z.coerce.number().int().min(1).max(100),
  admissionWindowSeconds: z.coerce.number().int().min(10, "The window is at least 10 seconds.").max(3600),
});

export type CreateSaleState = ActionState<{ message: string; saleId: string }>;

/** Schedule a flash sale from the form (SKUs ticked in the picker and/or typed as a comma list). */
export async function createSale(_prev: CreateSaleState, formData: FormData): Promise<CreateSaleState> {
  const typed = String(formData.get("skuList") ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const picked = formData.getAll("sku").map(String);
  const input = Input.safeParse({
    name: formData.get("name"),
    id: String(formData.get("id") ?? "").trim(),
    skus: [...new Set([...picked, ...typed])],
    startsAt: formData.get("startsAt"),
    admissionRate: formData.get("admissionRate"),
    perShopperLimit: formData.get("perShopperLimit"),
    admissionWindowSeconds: formData.get("admissionWindowSeconds"),
  });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "createSale", async (staff) => {
    const sale = await createSaleInLib(appDeps(), input.data);
    logger.info(`[sales] ${sale.id}: created by ${staff.actor}`);
    revalidatePath("/admin/sales");
    return { message: `“${sale.name}” is scheduled.`, saleId: sale.id };
  });
}
