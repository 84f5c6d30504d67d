import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, readJson } from "@/lib/core/http";
import { createWebhookSubscription, listWebhookSubscriptions, webhookCreateBody } from "@/lib/webhooks";

/** GET /api/v1/admin/webhooks — outbound subscriptions (secrets are not shown again). */
export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  return json({ subscriptions: await listWebhookSubscriptions(appDeps()) });
});

/** POST /api/v1/admin/webhooks `{ url, events?, secret? }` → 201 with the signing secret, shown this once. */
export const POST = handle(async (request: Request) => {
  const staff = await requireStaff(request, "admin");
  const body = await readJson(request, webhookCreateBody);
  const { subscription, secret } = await createWebhookSubscription(appDeps(), { ...body, createdBy: staff.actor });
  return json({ ...subscription, secret }, 201);
});
