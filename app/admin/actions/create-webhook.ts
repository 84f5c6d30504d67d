"use server";

import { revalidatePath } from "next/cache";
import { appDeps } from "@/lib/core/deps";
import { createWebhookSubscription, webhookCreateBody, type WebhookEventFilter } from "@/lib/webhooks";
import { asStaff, formError, type ActionState } from "@/lib/actions";

export type CreateWebhookState = ActionState<{ message: string; url: string; events: WebhookEventFilter; secret: string }>;

/** Admins subscribe a URL to stock changes; the signing secret is shown once, here. */
export async function createWebhook(_prev: CreateWebhookState, formData: FormData): Promise<CreateWebhookState> {
  const input = webhookCreateBody.safeParse({ url: formData.get("url"), events: formData.get("events") ?? undefined });
  if (!input.success) return { ok: false, error: formError(input.error.issues) };
  return asStaff("admin", "createWebhook", async (staff) => {
    const { subscription, secret } = await createWebhookSubscription(appDeps(), { ...input.data, createdBy: staff.actor });
    revalidatePath("/admin/channels");
    return { message: `${subscription.url} is subscribed.`, url: subscription.url, events: subscription.events, secret };
  });
}
