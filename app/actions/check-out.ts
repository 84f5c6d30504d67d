"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { appDeps } from "@/lib/core/deps";
import { storableText } from "@/lib/shared/validation";
import { checkout } from "@/lib/orders";
import { currentSessionId } from "@/lib/auth/shopper-session";
import { shopperError, type ActionState } from "@/lib/actions";
import { CUSTOMER_NAME_MAX, MAX_LINES, RESERVATION_ID_PATTERN } from "@/lib/shared/limits";

const Input = z.object({
  email: storableText({ max: 254 }).pipe(z.email({ error: "Enter a valid email address." })),
  name: storableText({ max: CUSTOMER_NAME_MAX }).refine((s) => s.length > 0, "Enter your name."),
  reservationIds: z
    .array(z.string().regex(RESERVATION_ID_PATTERN))
    .min(1, { error: "Your cart has no held items to check out." })
    .max(MAX_LINES),
});

export type CheckOutState = ActionState<{ orderId: string }> & {
  /** What the shopper typed, so a refused form keeps its values. */
  fields?: { email: string; name: string };
};

/** Turn every held reservation in the cart into one order, then show its confirmation. */
export async function checkOut(_prev: CheckOutState, formData: FormData): Promise<CheckOutState> {
  const fields = { email: String(formData.get("email") ?? "").trim(), name: String(formData.get("name") ?? "").trim() };
  const input = Input.safeParse({ ...fields, reservationIds: formData.getAll("reservationId") });
  if (!input.success) {
    const first = input.error.issues[0];
    return { ok: false, error: { code: "invalid_request", message: first?.message ?? "Check the form and try again." }, fields };
  }

  let orderId: string;
  try {
    const sessionId = await currentSessionId();
    const order = await checkout(appDeps(), { sessionId, ...input.data, source: "storefront" });
    orderId = order.orderId;
  } catch (err) {
    revalidatePath("/", "layout");
    return {
      ok: false,
      fields,
      error: shopperError(err, "checkOut", {
        reservation_expired: "A hold in your cart expired before checkout — those items went back on sale. Review your cart and try again.",
        reservation_not_held: "Your cart changed while you were checking out. Review it and try again.",
        checkout_in_progress: "Your order is still being placed. Wait a moment, then look at your cart again.",
        not_found: "Your cart changed while you were checking out. Review it and try again.",
        invalid_request: "Your cart has no held items to check out.",
      }),
    };
  }
  revalidatePath("/", "layout");
  // redirect() throws by design, so it stays outside the try block above.
  redirect(`/orders/${orderId}`);
}
