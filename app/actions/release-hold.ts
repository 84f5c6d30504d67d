"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { releaseReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({ reservationId: z.string().regex(RESERVATION_ID_PATTERN) });

export type ReleaseHoldState = ActionState<{ reservationId: string; message: string }>;

/** Give a held reservation's units back (the shopper pressed "Remove"). */
export async function releaseHold(_prev: ReleaseHoldState, formData: FormData): Promise<ReleaseHoldState> {
  const input = Input.safeParse({ reservationId: formData.get("reservationId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  try {
    const sessionId = await currentSessionId();
    await releaseReservation(appDeps(), sessionId, input.data.reservationId, { source: "storefront" });
    revalidatePath("/", "layout");
    return { ok: true, reservationId: input.data.reservationId, message: "Removed from your cart — the items are back on sale." };
  } catch (err) {
    revalidatePath("/", "layout");
    return {
      ok: false,
      error: shopperError(err, "releaseHold", {
        not_found: "That item is no longer in your cart.",
        reservation_not_held: "That hold has already ended.",
      }),
    };
  }
}
