import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { extendReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const r = await extendReservation(appDeps(), await currentSessionId(), (await params).id);
  return json({ id: r.id, expiresAt: new Date(r.expiresAt).toISOString() });
});
