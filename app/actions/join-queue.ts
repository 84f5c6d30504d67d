"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { ordinal } from "@/components/sale/format";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { SALE_ID_PATTERN } from "@/lib/core/keys";
import { clientAddress, limitQueueJoins } from "@/lib/core/rate-limit";
import { joinQueue as joinSaleLine, type TicketState } from "@/lib/sales";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";

const Input = z.object({ saleId: z.string().max(64).regex(SALE_ID_PATTERN) });

export type JoinQueueState = ActionState<{
  ticket: string;
  state: TicketState;
  seq: number;
  position: number;
  /** False when the shopper was already in line (same ticket, same place). */
  joined: boolean;
  message: string;
}>;

/** Join a flash sale's line, or get the place already held (one ticket per shopper). */
export async function joinQueue(_prev: JoinQueueState, formData: FormData): Promise<JoinQueueState> {
  const input = Input.safeParse({ saleId: formData.get("saleId") });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  const { saleId } = input.data;

  try {
    const deps = appDeps();
    const sessionId = await currentSessionId();
    // The same limits as POST /api/v1/sales/:saleId/queue: both count per session and per address together.
    await limitQueueJoins(deps, { sessionId, address: clientAddress(await headers()) });
    const joined = await joinSaleLine(deps, saleId, sessionId);
    const message = !joined.joined
      ? "You're already in line — same place as before."
      : joined.state === "pre"
        ? "You're in. When the sale starts, everyone who joined early gets a random place in line."
        : `You're in line: ${ordinal(joined.position)}.`;
    return { ok: true, ...joined, message };
  } catch (err) {
    // Sold out or ended since the page was drawn: draw it again as it is now.
    if (isDomainError(err) && (err.code === "sale_closed" || err.code === "sale_sold_out")) revalidatePath(`/sales/${saleId}`);
    return {
      ok: false,
      error: shopperError(err, "joinQueue", {
        not_found: "This sale no longer exists.",
        sale_sold_out: "This sale is sold out.",
        sale_closed: "This sale has ended.",
        unauthorized: "Your session has expired. Refresh the page and try again.",
      }),
    };
  }
}
