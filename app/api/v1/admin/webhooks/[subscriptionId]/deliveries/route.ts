import { z } from "zod";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith } from "@/lib/core/http";
import { listWebhookDeliveries, webhookId } from "@/lib/webhooks";

const limit = z.coerce.number().int().min(1).max(200).default(50);

/** GET /api/v1/admin/webhooks/:id/deliveries?limit= — the delivery log, newest first. */
export const GET = handle(async (request: Request, { params }: { params: Promise<{ subscriptionId: string }> }) => {
  await requireStaff(request, "merchandiser");
  const id = parseWith(webhookId, (await params).subscriptionId);
  const take = parseWith(limit, new URL(request.url).searchParams.get("limit") ?? undefined);
  return json({ deliveries: await listWebhookDeliveries(appDeps(), id, { limit: take }) });
});
