// Checkout: turn held reservations into an order in Postgres, then commit the holds in Redis.
//
// The order row is written first (status "pending") so that Postgres being down leaves
// the holds untouched (the shopper gets a 503 and can retry). The reservations are claimed
// ("committing") before that, so the expiry worker cannot release them mid-checkout; if this
// process dies afterwards, the worker finds the stalled checkout and finishes it when the
// order exists, or gives the units back when it does not.
import { randomBytes, randomUUID } from "node:crypto";
import type { Deps } from "./context";
import { DomainError, isDomainError } from "./errors";
import { redisNow } from "./redis";
import { getReservation, parseReservationItems, releaseLines, STALLED_CHECKOUT_MS } from "./reservations";
import type { OrderSummary, ReservationItem } from "./types";

export interface CheckoutRequest {
  sessionId: string;
  reservationIds: string[];
  email: string;
  name: string;
  source: string;
}

export interface CheckoutResult {
  orderId: string;
  number: string;
}

function orderNumber(): string {
  // Readable, unambiguous (no 0/O/1/I), about 10^10 combinations.
  const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  const bytes = randomBytes(7);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `SW-${out}`;
}

/** Commit the given held reservations of a shopper into one order. */
export async function checkout(deps: Deps, req: CheckoutRequest): Promise<CheckoutResult> {
  const ids = [...new Set(req.reservationIds)];
  if (ids.length === 0) throw new DomainError("invalid_request", "Nothing to check out.");
  const reservations = await Promise.all(ids.map((id) => getReservation(deps, req.sessionId, id)));

  // Already done (a retried request): answer with the same order.
  if (reservations.every((r) => r.status === "committed" && r.orderId)) {
    const orderIds = new Set(reservations.map((r) => r.orderId));
    if (orderIds.size === 1) {
      const order = await deps.db.order.findUnique({ where: { id: reservations[0]!.orderId! }, select: { id: true, number: true } });
      if (order) return { orderId: order.id, number: order.number };
    }
  }

  // Claim every reservation; undo the claims if one of them cannot be claimed.
  const claimed: string[] = [];
  const now = await redisNow(deps.redis);
  try {
    for (const r of reservations) {
      const [code, status] = await deps.redis.swTransitionReservation(
        deps.keys.reservation(r.id), "held", "committing", "before", "committingSince", String(now),
      );
      if (code === -3) throw new DomainError("reservation_expired", "A hold in your cart expired before checkout; the units went back on sale.", { reservationId: r.id });
      if (code !== 1) {
        throw new DomainError(
          status === "expired" ? "reservation_expired" : "reservation_not_held",
          status === "expired" ? "A hold in your cart expired before checkout." : `A reservation in your cart is ${status || "gone"}.`,
          { reservationId: r.id, status },
        );
      }
      claimed.push(r.id);
      // Look again after a stall, not at the old deadline.
      await deps.redis.zadd(deps.keys.holdDeadlines, now + STALLED_CHECKOUT_MS, r.id);
    }
  } catch (err) {
    await unclaim(deps, claimed);
    throw err;
  }

  const items = reservations.flatMap((r) => r.items.map((i) => ({ ...i, reservationId: r.id })));
  let order: CheckoutResult;
  try {
    order = await writeOrder(deps, req, ids, items);
  } catch (err) {
    await unclaim(deps, claimed);
    if (isDomainError(err)) throw err;
    console.error("[checkout] could not write the order", err);
    throw new DomainError("service_unavailable", "We could not place your order just now; your items are still held. Please try again.");
  }
  await commitReservations(deps, ids, order);
  return order;
}

async function unclaim(deps: Deps, ids: string[]): Promise<void> {
  for (const id of ids) {
    const key = deps.keys.reservation(id);
    const [code] = await deps.redis.swTransitionReservation(key, "committing", "held", "");
    if (code === 1) {
      const expiresAt = Number(await deps.redis.hget(key, "expiresAt"));
      await deps.redis.zadd(deps.keys.holdDeadlines, expiresAt, id);
    }
  }
}

async function writeOrder(
  deps: Deps,
  req: Pick<CheckoutRequest, "sessionId" | "email" | "name">,
  reservationIds: string[],
  items: (ReservationItem & { reservationId: string })[],
): Promise<CheckoutResult> {
  // A previous attempt may have written the order and died before committing the holds.
  const existing = await deps.db.orderReservation.findMany({ where: { reservationId: { in: reservationIds } }, include: { order: true } });
  if (existing.length > 0) {
    const first = existing[0]!.order;
    return { orderId: first.id, number: first.number };
  }
  const skus = await deps.db.sku.findMany({ where: { code: { in: items.map((i) => i.sku) } }, select: { code: true, priceCents: true } });
  const price = new Map(skus.map((s) => [s.code, s.priceCents]));
  const lines = items.filter((i) => i.quantity > 0).map((i) => ({
    id: randomUUID(),
    sku: i.sku,
    quantity: i.quantity,
    unitPriceCents: price.get(i.sku) ?? 0,
  }));
  const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  const id = randomUUID();
  const number = orderNumber();
  await deps.db.order.create({
    data: {
      id,
      number,
      sessionId: req.sessionId,
      email: req.email,
      name: req.name,
      totalCents,
      lines: { create: lines },
      reservations: { create: reservationIds.map((reservationId) => ({ reservationId })) },
    },
  });
  return { orderId: id, number };
}

/** Turn claimed holds into sales and confirm the order (idempotent: safe to repeat). */
async function commitReservations(deps: Deps, ids: string[], order: CheckoutResult): Promise<void> {
  for (const id of ids) {
    const key = deps.keys.reservation(id);
    const items = parseReservationItems(await deps.redis.hget(key, "items"));
    await Promise.all(
      items.map(({ sku }) =>
        deps.redis.swCommit(deps.keys.stock(sku), deps.keys.holds(sku), deps.keys.events(sku), sku, id, "checkout",
          "", deps.keys.eventsChannel, order.number),
      ),
    );
    await deps.redis.swTransitionReservation(key, "committing", "committed", "", "orderId", order.orderId);
    await deps.redis.zrem(deps.keys.holdDeadlines, id);
  }
  await deps.db.order.update({ where: { id: order.orderId }, data: { status: "confirmed", confirmedAt: new Date() } });
}

/**
 * Finish a checkout whose process died between claiming and committing: roll forward when
 * its order is in Postgres, otherwise give the units back. Called by the expiry worker.
 */
export async function finishStalledCheckout(deps: Deps, id: string): Promise<void> {
  const key = deps.keys.reservation(id);
  const since = Number(await deps.redis.hget(key, "committingSince"));
  if ((await redisNow(deps.redis)) - since < STALLED_CHECKOUT_MS) return; // still in progress somewhere
  const link = await deps.db.orderReservation.findUnique({ where: { reservationId: id }, include: { order: true } });
  if (link) {
    await commitReservations(deps, [id], { orderId: link.order.id, number: link.order.number });
    return;
  }
  const [code] = await deps.redis.swTransitionReservation(key, "committing", "expired", "");
  if (code === 1) {
    const items = parseReservationItems(await deps.redis.hget(key, "items"));
    await releaseLines(deps, id, items.map((i) => i.sku), "expire", { source: "expiry-worker", actor: "stalled-checkout" });
  }
  await deps.redis.zrem(deps.keys.holdDeadlines, id);
}

/** An order as its shopper may see it (null when it is not theirs). */
export async function getOrder(deps: Deps, sessionId: string, orderId: string): Promise<OrderSummary | null> {
  if (!/^[0-9a-f-]{36}$/.test(orderId)) return null;
  const order = await deps.db.order.findUnique({
    where: { id: orderId },
    include: { lines: { include: { skuRef: { include: { product: true } } } } },
  });
  if (!order || order.sessionId !== sessionId) return null;
  return {
    id: order.id,
    number: order.number,
    email: order.email,
    name: order.name,
    status: order.status,
    totalCents: order.totalCents,
    createdAt: order.createdAt,
    lines: order.lines.map((l) => ({
      sku: l.sku,
      productName: l.skuRef.product.name,
      label: l.skuRef.label,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
    })),
  };
}
