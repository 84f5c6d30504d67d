import { checkoutBody } from "@/lib/api/schemas";
import { appDeps } from "@/lib/core/deps";
import { isDomainError } from "@/lib/core/errors";
import { handle, json, readJson } from "@/lib/core/http";
import { metrics } from "@/lib/core/metrics";
import { checkout } from "@/lib/orders";
import { currentSessionId } from "@/lib/auth/shopper-session";

export const POST = handle(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const body = await readJson(request, checkoutBody, { optional: true });
  try {
    const order = await checkout(appDeps(), {
      sessionId: await currentSessionId(),
      reservationIds: [(await params).id],
      email: body.email ?? "",
      name: body.name ?? "",
      source: "api",
    });
    metrics().checkouts.inc({ outcome: "ok" });
    return json({ orderId: order.orderId, number: order.number }, 201);
  } catch (err) {
    metrics().checkouts.inc({ outcome: isDomainError(err) ? err.code : "error" });
    throw err;
  }
});
