import { reservationBody } from "@/lib/api/schemas";
import { appDeps } from "@/lib/context";
import { DomainError, isDomainError } from "@/lib/errors";
import { handle, idempotencyKey, json, readJson } from "@/lib/http";
import { metrics } from "@/lib/metrics";
import { placeReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/session";

export const POST = handle(async (request: Request) => {
  const body = await readJson(request, reservationBody);
  const sessionId = await currentSessionId();
  const key = idempotencyKey(request);
  if (body.queueToken !== undefined) {
    // Flash-sale admission tokens arrive with the queue; until then no SKU requires one.
    throw new DomainError("queue_token_invalid", "No flash sale is running for these items.");
  }
  const timer = metrics().reservationSeconds.startTimer();
  try {
    const placed = await placeReservation(appDeps(), { sessionId, items: body.items, idempotencyKey: key, source: "api" });
    metrics().reservations.inc({ outcome: "held" });
    return json(
      { id: placed.id, expiresAt: new Date(placed.expiresAt).toISOString(), items: placed.items.map(({ sku, quantity }) => ({ sku, quantity })) },
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
