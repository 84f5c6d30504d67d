"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { saleId } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { updateSale } from "@/lib/sales";
import { asStaff, formError, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({
  saleId,
  admissionRate: z.coerce.number().positive("The rate must be above 0.").max(10_000, "At most 10,000 per second."),
});

export type SetSaleRateState = ActionState<{ message: string }>;

/** Change how many shoppers per second a sale admits (takes effect on the next tick). */
export async function setSaleRate(_prev: SetSaleRateState, formData: FormData): Promise<SetSaleRateState> {
  const input = Input.safeParse({ saleId: formData.get("saleId"), admissionRate: formData.get("admissionRate") });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("merchandiser", "setSaleRate", async (staff) => {
    const sale = await updateSale(appDeps(), input.data.saleId, { admissionRate: input.data.admissionRate });
    logger.info(`[sales] ${sale.id}: rate ${sale.admissionRate}/s by ${staff.actor}`);
    revalidatePath("/admin/sales");
    return { message: `Admitting up to ${sale.admissionRate} per second.` };
  });
}
