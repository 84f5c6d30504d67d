import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { releaseReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const POST = handle(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const r = await releaseReservation(appDeps(), await currentSessionId(), (await params).id, { source: "api" });
  return json({ id: r.id, status: r.status });
});
