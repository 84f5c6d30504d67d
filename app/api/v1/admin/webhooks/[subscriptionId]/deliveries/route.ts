import { deliveriesQuery } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith } from "@/lib/core/http";
import { listWebhookDeliveries, webhookId } from "@/lib/webhooks";

/** GET /api/v1/admin/webhooks/:id/deliveries?limit= — the delivery log, newest first. */
export const GET = handle(async (request: Request, { params }: { params: Promise<{ subscriptionId: string }> }) => {
  await requireStaff(request, "merchandiser");
  const id = parseWith(webhookId, (await params).subscriptionId);
  const { limit: take } = parseWith(deliveriesQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json({ deliveries: await listWebhookDeliveries(appDeps(), id, { limit: take }) });
});
