import { adjustBody, skuCode } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, idempotencyKey, json, parseWith, readJson } from "@/lib/core/http";
import { adjustStock } from "@/lib/stock";

export const POST = handle(async (request: Request, { params }: { params: Promise<{ sku: string }> }) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const sku = parseWith(skuCode, (await params).sku);
  const body = await readJson(request, adjustBody);
  // A retried request with the same key is the same change: applied once (per staff member and SKU).
  const key = idempotencyKey(request);
  const level = await adjustStock(appDeps(), {
    sku,
    delta: body.delta,
    reason: body.note ? `${body.reason}: ${body.note}` : body.reason,
    type: body.reason === "received" ? "restock" : body.reason === "channel" ? "channel" : "adjust",
    source: "admin-api",
    actor,
    operationId: key ? `admin-api:${actor}:${key}` : undefined,
  });
  const { onHand, reserved, safety, available, version } = level;
  return json({ sku, onHand, reserved, safety, available: Math.max(0, available), version });
});
