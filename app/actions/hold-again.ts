"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { clientAddress, limitReservations } from "@/lib/core/rate-limit";
import { holdAgain as holdReservationAgain } from "@/lib/reservations";
import { RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({ reservationId: z.string().regex(RESERVATION_ID_PATTERN) });

export type HoldAgainState = ActionState<{ reservationId: string; expiresAt: number; quantity: number; message: string }>;

/** An expired (or removed) line's "Hold again" (lib/reservations/again.ts), in the shopper's words. */
export async function holdAgain(_prev: HoldAgainState, formData: FormData): Promise<HoldAgainState> {
  const input = Input.safeParse({ reservationId: formData.get("reservationId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  const { reservationId } = input.data;
  try {
    const sessionId = await currentSessionId();
    const deps = appDeps();
    await limitReservations(deps, { sessionId, address: clientAddress(await headers()) });
    const placed = await holdReservationAgain(deps, { sessionId, reservationId, source: "storefront" });
    revalidatePath("/", "layout");
    const held = placed.items.reduce((n, i) => n + i.quantity, 0);
    const wanted = placed.items.reduce((n, i) => n + i.requested, 0);
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
        reservation_not_held: "This hold is just ending — try again in a second.",
        insufficient_stock: "Sold out since your hold ended — nothing was reserved.",
        queue_token_required: "This item is in a flash sale — join the line to buy it again.",
        sale_closed: "This sale has ended.",
        sale_sold_out: "This sale is sold out.",
        unknown_sku: "This item is no longer available.",
      }),
    };
  }
}
