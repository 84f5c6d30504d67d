import { reservationBody } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { handle, idempotencyKey, json, readJson } from "@/lib/core/http";
import { metrics } from "@/lib/core/metrics";
import { clientAddress, limitReservations } from "@/lib/core/rate-limit";
import { placeReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const POST = handle(async (request: Request) => {
  const sessionId = await currentSessionId();
  const deps = appDeps();
  // Counted before the body is read, so a flood of garbage is limited like a flood of holds.
  await limitReservations(deps, { sessionId, address: clientAddress(request.headers) });
  const body = await readJson(request, reservationBody);
  const key = idempotencyKey(request);
  const timer = metrics().reservationSeconds.startTimer();
  try {
    const placed = await placeReservation(deps, {
      sessionId,
      items: body.items,
      idempotencyKey: key,
      queueToken: body.queueToken,
      source: "api",
    });
    metrics().reservations.inc({ outcome: "held" });
    return json(
      {
        id: placed.id,
        expiresAt: new Date(placed.expiresAt).toISOString(),
        items: placed.items.map(({ sku, quantity }) => ({ sku, quantity })),
      },
      placed.replayed ? 200 : 201,
      placed.replayed ? { "idempotent-replayed": "true" } : undefined,
    );
  } catch (err) {
    metrics().reservations.inc({ outcome: isDomainError(err) ? err.code : "error" });
    throw err;
  } finally {
    timer();
  }
});
