"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { clientAddress, limitReservations } from "@/lib/core/rate-limit";
import { dismissReservation, getReservation, placeReservation } from "@/lib/reservations";
import { RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({ reservationId: z.string().regex(RESERVATION_ID_PATTERN) });

export type HoldAgainState = ActionState<{ reservationId: string; expiresAt: number; quantity: number; message: string }>;

/**
 * An expired (or removed) line's "Hold again": a new hold of the same items if stock allows —
 * what is left of a single item, all or nothing for several — then the old line is cleared.
 * Keyed by the old line, so a double click or a retry after a lost answer holds once; if the
 * process dies between the hold and the clearing, pressing again finds the same hold and clears.
 */
export async function holdAgain(_prev: HoldAgainState, formData: FormData): Promise<HoldAgainState> {
  const input = Input.safeParse({ reservationId: formData.get("reservationId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  const { reservationId } = input.data;
  try {
    const sessionId = await currentSessionId();
    const deps = appDeps();
    const old = await getReservation(deps, sessionId, reservationId);
    if (old.status === "held") {
      // The countdown reached zero before the expiry worker ran (about every second).
      return {
        ok: false,
        error: { code: "reservation_not_held", message: "This hold is just ending — try again in a second." },
      };
    }
    if (old.status !== "expired" && old.status !== "released") {
      return { ok: false, error: { code: "reservation_not_held", message: "This line can't be held again." } };
    }
    await limitReservations(deps, { sessionId, address: clientAddress(await headers()) });
    const items = old.items.map((i) => ({ sku: i.sku, quantity: i.quantity }));
    const placed = await placeReservation(deps, {
      sessionId,
      items,
      partial: items.length === 1,
      idempotencyKey: `again:${reservationId}`,
      source: "storefront",
    });
    await dismissReservation(deps, sessionId, reservationId).catch(() => undefined); // already cleared on a retry
    revalidatePath("/", "layout");
    const held = placed.items.reduce((n, i) => n + i.quantity, 0);
    const wanted = items.reduce((n, i) => n + i.quantity, 0);
    const minutes = Math.max(1, Math.round(deps.holdTtlSeconds / 60));
    const message =
      held < wanted
        ? `Only ${held} left — we reserved ${held} again.`
        : `Reserved again — held for you for ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    return { ok: true, reservationId: placed.id, expiresAt: placed.expiresAt, quantity: held, message };
  } catch (err) {
    revalidatePath("/", "layout");
    if (isDomainError(err) && err.code === "rate_limited") {
      return { ok: false, error: { code: err.code, message: "You're going too fast — please wait a moment and try again." } };
    }
    return {
      ok: false,
      error: shopperError(err, "holdAgain", {
        not_found: "That line is already gone.",
        insufficient_stock: "Sold out since your hold ended — nothing was reserved.",
        queue_token_required: "This item is in a flash sale — join the line to buy it again.",
        sale_closed: "This sale has ended.",
        sale_sold_out: "This sale is sold out.",
        unknown_sku: "This item is no longer available.",
      }),
    };
  }
}
