import { saleAction } from "@/lib/api/schemas";
import { appDeps } from "@/lib/context";
import { DomainError } from "@/lib/errors";
import { handle, json, requireAdmin } from "@/lib/http";
import { controlSale } from "@/lib/sales";

/** POST /api/v1/admin/sales/:saleId/start|pause|resume|close */
export const POST = handle(async (request: Request, { params }: { params: Promise<{ saleId: string; action: string }> }) => {
  const actor = requireAdmin(request);
  const { saleId, action } = await params;
  const parsed = saleAction.safeParse(action);
  if (!parsed.success) throw new DomainError("not_found", "Sale actions are start, pause, resume and close.");
  return json(await controlSale(appDeps(), saleId, parsed.data, { source: "admin-api", actor }));
});
