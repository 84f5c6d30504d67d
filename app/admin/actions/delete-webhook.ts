"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { deleteWebhookSubscription, webhookId } from "@/lib/webhooks";
import { asStaff, INVALID_FORM, type ActionState } from "@/lib/actions";
import { logFor } from "@/lib/core/log";

const logger = logFor("admin");

const Input = z.object({ subscriptionId: webhookId });

export type DeleteWebhookState = ActionState<{ message: string }>;

/** Remove an outbound subscription with its delivery log; nothing more is sent to it. */
export async function deleteWebhook(_prev: DeleteWebhookState, formData: FormData): Promise<DeleteWebhookState> {
  const input = Input.safeParse({ subscriptionId: formData.get("subscriptionId") });
  if (!input.success) return { ok: false, error: INVALID_FORM };
  return asStaff("admin", "deleteWebhook", async (staff) => {
    const info = await deleteWebhookSubscription(appDeps(), input.data.subscriptionId);
    logger.info(`[webhooks] ${staff.actor} removed ${info.url} (${info.id})`);
    revalidatePath("/admin/channels");
    return { message: `${info.url} is no longer subscribed.` };
  });
}
