"use server";
// The sale page's "Leave the line" (it belongs to that page alone, so it sits beside it).

import { z } from "zod";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { appDeps } from "@/lib/core/deps";
import { SALE_ID_PATTERN } from "@/lib/core/keys";
import { leaveQueue as leaveSaleLine, ticketFor } from "@/lib/sales";
import { currentSessionId } from "@/lib/auth/shopper-session";

const Input = z.object({ saleId: z.string().max(64).regex(SALE_ID_PATTERN) });

export type LeaveQueueState = ActionState<{ left: boolean; message: string }>;

/** Leave a flash sale's line, or give an unused turn back; joining again goes to the back. */
export async function leaveQueue(_prev: LeaveQueueState, formData: FormData): Promise<LeaveQueueState> {
  const input = Input.safeParse({ saleId: formData.get("saleId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  const { saleId } = input.data;
  try {
    const sessionId = await currentSessionId();
    const { left } = await leaveSaleLine(appDeps(), saleId, sessionId, ticketFor(saleId, sessionId));
    return {
      ok: true,
      left,
      message: left ? "You left the line. Your place has gone to the shoppers behind you." : "You were no longer in line.",
    };
  } catch (err) {
    return {
      ok: false,
      error: shopperError(err, "leaveQueue", {
        not_found: "You are not in this sale's line.",
        unauthorized: "Your session has expired. Refresh the page and try again.",
      }),
    };
  }
}
