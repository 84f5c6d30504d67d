import { appDeps } from "@/lib/core/deps";
import { DomainError } from "@/lib/core/errors";
import { handle, json, parseWith } from "@/lib/core/http";
import { stockLevel } from "@/lib/stock";
import { skuCode } from "@/lib/api/schemas";

export const GET = handle(async (_req: Request, { params }: { params: Promise<{ sku: string }> }) => {
  const sku = parseWith(skuCode, (await params).sku);
  const level = await stockLevel(appDeps(), sku);
  if (!level) throw new DomainError("unknown_sku", `No SKU ${sku}.`);
  const { onHand, reserved, safety, available, version } = level;
  return json({ sku, onHand, reserved, safety, available: Math.max(0, available), version });
});
