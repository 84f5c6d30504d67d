import { saleAction } from "@/lib/api/schemas";
import { requireStaff } from "@/lib/auth";
import { appDeps } from "@/lib/core/deps";
import { DomainError } from "@/lib/core/errors";
import { handle, json } from "@/lib/core/http";
import { controlSale } from "@/lib/sales";

/** POST /api/v1/admin/sales/:saleId/start|pause|resume|close */
export const POST = handle(async (request: Request, { params }: { params: Promise<{ saleId: string; action: string }> }) => {
  const { actor } = await requireStaff(request, "merchandiser");
  const { saleId, action } = await params;
  const parsed = saleAction.safeParse(action);
  if (!parsed.success) throw new DomainError("not_found", "Sale actions are start, pause, resume and close.");
  return json(await controlSale(appDeps(), saleId, parsed.data, { source: "admin-api", actor }));
});
