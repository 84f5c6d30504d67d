"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { saleAction, saleId } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { controlSale as controlSaleInLib } from "@/lib/sales";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";

const Input = z.object({ saleId, action: saleAction });

export type ControlSaleState = ActionState<{ message: string }>;

const DONE = { start: "started", pause: "paused", resume: "resumed", close: "closed" } as const;

/** Start now, pause, resume or close a sale. */
export async function controlSale(_prev: ControlSaleState, formData: FormData): Promise<ControlSaleState> {
  const input = Input.safeParse({ saleId: formData.get("saleId"), action: formData.get("action") });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  const { saleId: id, action } = input.data;
  return asStaff("merchandiser", "controlSale", async (staff) => {
    const sale = await controlSaleInLib(appDeps(), id, action, { source: "admin", actor: staff.actor });
    revalidatePath("/admin/sales");
    return { message: `${sale.name} ${DONE[action]}.` };
  });
}
