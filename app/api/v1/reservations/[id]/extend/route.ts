import { appDeps } from "@/lib/context";
import { handle, json } from "@/lib/http";
import { extendReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/session";

export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const r = await extendReservation(appDeps(), await currentSessionId(), (await params).id);
  return json({ id: r.id, expiresAt: new Date(r.expiresAt).toISOString() });
});
