// "Hold again" for a line whose hold ended (expired or released): a new hold of the same items,
// then the old line leaves the cart. Two writes, made safe by the key: the new hold's
// idempotency key is derived from the old line, so a retry — after a lost answer, or after the
// process died between the two writes and left both lines in the cart — finds the same hold
// (nothing is held twice) and clears the old line then.
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import { placeReservation } from "./place";
import { dismissReservation, getReservation } from "./record";

export async function holdAgain(
  deps: Deps,
  req: { sessionId: string; reservationId: string; source: string },
): ReturnType<typeof placeReservation> {
  const old = await getReservation(deps, req.sessionId, req.reservationId);
  if (old.status === "held") {
    // The countdown reached zero before the expiry worker ran (about every second).
    throw new DomainError("reservation_not_held", "This hold is just ending — try again in a second.");
  }
  if (old.status !== "expired" && old.status !== "released") {
    throw new DomainError("reservation_not_held", "This line can't be held again.");
  }
  const items = old.items.map((i) => ({ sku: i.sku, quantity: i.quantity }));
  const placed = await placeReservation(deps, {
    sessionId: req.sessionId,
    items,
    // What is left of a single item; several are all or nothing, like the cart they came from.
    partial: items.length === 1,
    idempotencyKey: `again:${req.reservationId}`,
    source: req.source,
  });
  await dismissReservation(deps, req.sessionId, req.reservationId);
  return placed;
}
