import { skuCode, skuUpsertBody } from "@/lib/api/schemas";
import { upsertSku } from "@/lib/catalog";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith, readJson } from "@/lib/core/http";

export const PUT = handle(async (request: Request, { params }: { params: Promise<{ sku: string }> }) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const sku = parseWith(skuCode, (await params).sku);
  const body = await readJson(request, skuUpsertBody);
  const { created, level } = await upsertSku(appDeps(), { ...body, sku, source: "admin-api", actor });
  return json({ created, ...level, available: Math.max(0, level.available) }, created ? 201 : 200);
});
