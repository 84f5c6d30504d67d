"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { dismissReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({ reservationId: z.string().regex(RESERVATION_ID_PATTERN) });

export type DismissHoldState = ActionState<{ reservationId: string }>;

/** Clear an ended (expired or released) hold from the cart view. */
export async function dismissHold(_prev: DismissHoldState, formData: FormData): Promise<DismissHoldState> {
  const input = Input.safeParse({ reservationId: formData.get("reservationId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  try {
    const sessionId = await currentSessionId();
    await dismissReservation(appDeps(), sessionId, input.data.reservationId);
    revalidatePath("/", "layout");
    return { ok: true, reservationId: input.data.reservationId };
  } catch (err) {
    revalidatePath("/", "layout");
    return {
      ok: false,
      error: shopperError(err, "dismissHold", {
        not_found: "That line is already gone.",
        // The expiry worker has not caught up with the countdown yet (it runs about every second).
        reservation_not_held: "This hold is just ending — try again in a second.",
      }),
    };
  }
}
