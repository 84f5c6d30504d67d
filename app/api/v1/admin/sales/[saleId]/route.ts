import { saleUpdateBody } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, readJson } from "@/lib/core/http";
import { getSaleDefinition, queueSnapshot, updateSale } from "@/lib/sales";

type Params = { params: Promise<{ saleId: string }> };

export const GET = handle(async (request: Request, { params }: Params) => {
  await requireStaff(request, "merchandiser");
  const deps = appDeps();
  const sale = await getSaleDefinition(deps, (await params).saleId);
  const live = sale.status === "closed" ? null : await queueSnapshot(deps, sale.id, null);
  return json({ ...sale, live });
});

export const PATCH = handle(async (request: Request, { params }: Params) => {
  await requireStaff(request, "merchandiser");
  const body = await readJson(request, saleUpdateBody);
  return json(await updateSale(appDeps(), (await params).saleId, body));
});
