import { appDeps } from "@/lib/context";
import { handle, json } from "@/lib/http";
import { getReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/session";

export const GET = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const r = await getReservation(appDeps(), await currentSessionId(), (await params).id);
  return json({
    ...r,
    items: r.items.map(({ sku, quantity }) => ({ sku, quantity })),
    createdAt: new Date(r.createdAt).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
  });
});
