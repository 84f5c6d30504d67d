import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { clientAddress, limitQueueJoins } from "@/lib/core/rate-limit";
import { joinQueue } from "@/lib/sales";
import { currentSessionId } from "@/lib/auth/shopper-session";

/** Join a sale's line: 201 with the ticket and place; the same shopper again gets 200 and the same ticket. */
export const POST = handle(async (request: Request, { params }: { params: Promise<{ saleId: string }> }) => {
  const { saleId } = await params;
  const deps = appDeps();
  const sessionId = await currentSessionId();
  await limitQueueJoins(deps, { sessionId, address: clientAddress(request.headers) });
  const joined = await joinQueue(deps, saleId, sessionId);
  return json({ ticket: joined.ticket, position: joined.position, state: joined.state, seq: joined.seq }, joined.joined ? 201 : 200);
});
