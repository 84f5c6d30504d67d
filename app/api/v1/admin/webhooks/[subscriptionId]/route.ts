import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith } from "@/lib/core/http";
import { deleteWebhookSubscription, webhookId } from "@/lib/webhooks";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

/** DELETE /api/v1/admin/webhooks/:id — unsubscribe; pending deliveries are dropped with it. */
export const DELETE = handle(async (request: Request, { params }: { params: Promise<{ subscriptionId: string }> }) => {
  const staff = await requireStaff(request, "admin");
  const id = parseWith(webhookId, (await params).subscriptionId);
  const subscription = await deleteWebhookSubscription(appDeps(), id);
  logger.info(`[webhooks] ${staff.actor} removed ${subscription.url} (${subscription.id})`);
  return json({ ...subscription, deleted: true });
});
