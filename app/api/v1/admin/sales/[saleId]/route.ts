import { saleUpdateBody } from "@/lib/api/schemas";
import { appDeps } from "@/lib/context";
import { handle, json, readJson, requireAdmin } from "@/lib/http";
import { getSaleDefinition, queueSnapshot, updateSale } from "@/lib/sales";

type Params = { params: Promise<{ saleId: string }> };

export const GET = handle(async (request: Request, { params }: Params) => {
  requireAdmin(request);
  const deps = appDeps();
  const sale = await getSaleDefinition(deps, (await params).saleId);
  const live = sale.status === "closed" ? null : await queueSnapshot(deps, sale.id, null);
  return json({ ...sale, live });
});

export const PATCH = handle(async (request: Request, { params }: Params) => {
  requireAdmin(request);
  const body = await readJson(request, saleUpdateBody);
  return json(await updateSale(appDeps(), (await params).saleId, body));
});
