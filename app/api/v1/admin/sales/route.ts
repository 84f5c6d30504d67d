import { saleCreateBody, salesListQuery } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { handle, json, parseWith, readJson } from "@/lib/core/http";
import { createSale, listSaleDefinitions, queueSnapshot } from "@/lib/sales";
import { logFor } from "@/lib/core/log";

const logger = logFor("api");

export const GET = handle(async (request: Request) => {
  await requireStaff(request, "merchandiser");
  const deps = appDeps();
  const { closed } = parseWith(salesListQuery, Object.fromEntries(new URL(request.url).searchParams));
  const sales = await listSaleDefinitions(deps, { includeClosed: closed === "1" });
  const live = await Promise.all(sales.map((s) => (s.status === "closed" ? null : queueSnapshot(deps, s.id, null).catch(() => null))));
  return json({ sales: sales.map((s, i) => ({ ...s, live: live[i] })) });
});

export const POST = handle(async (request: Request) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const body = await readJson(request, saleCreateBody);
  const sale = await createSale(appDeps(), body);
  logger.info(`[sales] ${sale.id}: created by ${actor}`);
  return json(sale, 201);
});
