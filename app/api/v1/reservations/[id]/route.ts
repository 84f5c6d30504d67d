import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { getReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const GET = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const r = await getReservation(appDeps(), await currentSessionId(), (await params).id);
  return json({
    ...r,
    items: r.items.map(({ sku, quantity }) => ({ sku, quantity })),
    createdAt: new Date(r.createdAt).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
  });
});
