"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { SKU_PATTERN } from "@/lib/core/keys";
import { clientAddress, limitReservations } from "@/lib/core/rate-limit";
import { placeReservation } from "@/lib/reservations";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { INVALID_INPUT, shopperError, type ActionState } from "@/lib/actions";
import { MAX_PER_ADD, QUEUE_TOKEN_MAX } from "@/lib/shared/limits";

/** The most units one add-to-cart may ask for (the quantity picker offers 1..min(10, available)). */

const Input = z.object({
  sku: z.string().regex(SKU_PATTERN),
  quantity: z.coerce.number().int().min(1).max(MAX_PER_ADD),
  /** A flash-sale admission token (the sale page sends it during the shopper's turn). */
  queueToken: z.string().min(1).max(QUEUE_TOKEN_MAX).optional(),
});

export type AddToCartState = ActionState<{
  reservationId: string;
  expiresAt: number;
  quantity: number;
  requested: number;
  message: string;
}>;

/**
 * Hold units of one variant for the shopper; holds what is left when fewer are available —
 * except under a flash-sale admission token, where the hold is all or nothing.
 */
export async function addToCart(_prev: AddToCartState, formData: FormData): Promise<AddToCartState> {
  const token = formData.get("queueToken");
  const input = Input.safeParse({
    sku: formData.get("sku"),
    quantity: formData.get("quantity"),
    queueToken: typeof token === "string" && token !== "" ? token : undefined,
  });
  if (!input.success) return { ok: false, error: INVALID_INPUT };
  const { sku, quantity, queueToken } = input.data;

  try {
    const sessionId = await currentSessionId();
    const deps = appDeps();
    // The same limits as POST /api/v1/reservations: both count per session and per address together.
    await limitReservations(deps, { sessionId, address: clientAddress(await headers()) });
    const placed = await placeReservation(deps, {
      sessionId,
      items: [{ sku, quantity }],
      partial: !queueToken,
      queueToken: queueToken ?? null,
      source: "storefront",
    });
    const line = placed.items[0];
    const held = line?.quantity ?? 0;
    const requested = line?.requested ?? quantity;
    const minutes = Math.max(1, Math.round(deps.holdTtlSeconds / 60));
    const message =
      held < requested
        ? `Only ${held} left — we reserved ${held}.`
        : `Reserved ${held === 1 ? "1 item" : `${held} items`} — held for you for ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    revalidatePath("/", "layout");
    return { ok: true, reservationId: placed.id, expiresAt: placed.expiresAt, quantity: held, requested, message };
  } catch (err) {
    if (isDomainError(err) && err.code === "rate_limited") {
      const wait = Number(err.details?.retryAfterSeconds ?? 0);
      const after = wait > 0 ? ` in ${wait} second${wait === 1 ? "" : "s"}` : " in a moment";
      return { ok: false, error: { code: err.code, message: `You're going too fast — please wait and try again${after}.` } };
    }
    if (isDomainError(err) && err.code === "sale_limit_reached") {
      // The lib's sentence names the limit and what is left of it ("you can add 1 more").
      return { ok: false, error: { code: err.code, message: err.message } };
    }
    if (isDomainError(err) && (err.code === "queue_token_required" || err.code === "sale_sold_out" || err.code === "sale_closed")) {
      // A sale started, sold out or ended since the page was drawn: show the page as it is now.
      revalidatePath("/", "layout");
    }
    if (isDomainError(err) && err.code === "insufficient_stock") {
      // Someone else got there first: refresh the pages so every count shows the new truth.
      revalidatePath("/", "layout");
      const available = Number(err.details?.available ?? 0);
      const message =
        available > 0 ? `Only ${available} left — nothing was reserved. Try a smaller quantity.` : "Sold out while you were deciding.";
      return { ok: false, error: { code: err.code, message } };
    }
    return {
      ok: false,
      error: shopperError(err, "addToCart", {
        unknown_sku: "This item is no longer available.",
        invalid_request: `Choose a quantity from 1 to ${MAX_PER_ADD}.`,
        unauthorized: "Your session has expired. Refresh the page and try again.",
        queue_token_required: "This item is in a flash sale — join the line to buy it.",
        queue_token_invalid: "Your turn has ended — join the line again to get another one.",
        sale_closed: "This sale has ended.",
        sale_sold_out: "This sale is sold out.",
      }),
    };
  }
}
