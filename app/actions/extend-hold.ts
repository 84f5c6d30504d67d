"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { extendReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({ reservationId: z.string().regex(RESERVATION_ID_PATTERN) });

export type ExtendHoldState = ActionState<{ reservationId: string; expiresAt: number; message: string }>;

/** Extend a hold once by the hold time. */
export async function extendHold(_prev: ExtendHoldState, formData: FormData): Promise<ExtendHoldState> {
  const input = Input.safeParse({ reservationId: formData.get("reservationId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  try {
    const sessionId = await currentSessionId();
    const deps = appDeps();
    const r = await extendReservation(deps, sessionId, input.data.reservationId);
    const minutes = Math.max(1, Math.round(deps.holdTtlSeconds / 60));
    revalidatePath("/", "layout");
    return {
      ok: true,
      reservationId: r.id,
      expiresAt: r.expiresAt,
      message: `Hold extended by ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    };
  } catch (err) {
    revalidatePath("/", "layout");
    return {
      ok: false,
      error: shopperError(err, "extendHold", {
        already_extended: "A hold can be extended only once.",
        reservation_expired: "This hold has already expired — the items went back on sale.",
        reservation_not_held: "This hold has already ended.",
        not_found: "That item is no longer in your cart.",
      }),
    };
  }
}
