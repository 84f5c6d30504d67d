import { appDeps } from "@/lib/core/deps";
import { handle, json } from "@/lib/core/http";
import { leaveQueue, ticketStatus } from "@/lib/sales";
import { currentSessionId } from "@/lib/auth/shopper-session";

type Params = { params: Promise<{ saleId: string; ticket: string }> };

/** The shopper's place: { position, admitted, token?, expiresAt? } plus the state and sale counters. */
export const GET = handle(async (_request: Request, { params }: Params) => {
  const { saleId, ticket } = await params;
  const status = await ticketStatus(appDeps(), saleId, await currentSessionId(), ticket);
  const t = status.ticket;
  return json({
    ticket,
    state: t.state,
    position: t.position,
    seq: t.seq,
    admitted: t.state === "admitted",
    ...(status.token ? { token: status.token, expiresAt: new Date(t.deadline).toISOString() } : {}),
    units: t.units,
    sale: {
      status: status.status,
      tick: status.tick,
      admitted: status.admitted,
      admittedThrough: status.admittedThrough,
      waiting: status.waiting,
      prequeue: status.prequeue,
      unitsLeft: status.unitsLeft,
      rate: status.rate,
      startsAt: new Date(status.startsAt).toISOString(),
    },
  });
});

/** Leave the line (or give an unused turn back); joining again goes to the back. */
export const DELETE = handle(async (_request: Request, { params }: Params) => {
  const { saleId, ticket } = await params;
  return json(await leaveQueue(appDeps(), saleId, await currentSessionId(), ticket));
});
