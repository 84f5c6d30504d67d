"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { acknowledgeAlert as acknowledge } from "@/lib/backoffice";
import { appDeps } from "@/lib/core/deps";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";

const Input = z.object({ id: z.string().uuid() });

export type AcknowledgeAlertState = ActionState<{ message: string }>;

/** Mark an open alert as seen by the signed-in staff member (recorded by name). */
export async function acknowledgeAlert(id: string, _prev: AcknowledgeAlertState, _formData: FormData): Promise<AcknowledgeAlertState> {
  const input = Input.safeParse({ id });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  return asStaff("merchandiser", "acknowledgeAlert", async (staff) => {
    const alert = await acknowledge(appDeps(), input.data.id, staff.actor);
    revalidatePath("/admin/alerts");
    revalidatePath("/admin");
    return {
      message:
        alert.acknowledgedBy === staff.actor
          ? `Acknowledged ${alert.sku}.`
          : `${alert.sku} was already acknowledged by ${alert.acknowledgedBy ?? "someone"}.`,
    };
  });
}
