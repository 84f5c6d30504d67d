// Checkout: turn held reservations into an order in Postgres, then commit the holds in Redis.
//
// The order row is written first (status "pending") so that Postgres being down leaves
// the holds untouched (the shopper gets a 503 and can retry). The reservations are claimed
// ("committing") before that, so the expiry worker cannot release them mid-checkout; if this
// process dies afterwards, the worker finds the stalled checkout and finishes it when the
// order exists, or gives the units back when it does not.
//
// The order is confirmed only after every one of its reservations moved from "committing" to
// "committed" (confirmOrder): that transition is the one gate the expiry worker's undo also
// goes through, so when a slow order write loses the race to the worker the order is marked
// failed and the shopper told, never left looking paid with its units back on sale (defect 4).
// A "committed" reservation stays in the deadline set until its lines are sold, so a crash
// between the gate and the sale is finished by the worker.
import { randomBytes, randomUUID } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError, isDomainError } from "../core/errors";
import { redisNow } from "../core/redis";
import { commitHold, transitionReservation } from "../scripts";
import { endReservation } from "../reservations/end";
import { getReservation, parseReservationItems, STALLED_CHECKOUT_MS } from "../reservations/record";
import type { OrderSummary, ReservationItem } from "../shared/types";
import { logFor } from "../core/log";

const logger = logFor("orders");

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

  // A retried request, or one whose first attempt died part-way: finish that attempt's order.
  if (reservations.some((r) => r.status === "committing" || r.status === "committed")) return resumeCheckout(deps, ids, reservations);

  // Claim every reservation; undo the claims if one of them cannot be claimed.
  const claimed: string[] = [];
  const now = await redisNow(deps.redis);
  try {
    for (const r of reservations) {
      const claim = await transitionReservation(deps.redis, {
        key: deps.keys.reservation(r.id),
        from: "held",
        to: "committing",
        deadline: "before",
        set: { committingSince: String(now) },
      });
      if (claim.result === "deadline")
        throw new DomainError("reservation_expired", "A hold in your cart expired before checkout; the units went back on sale.", {
          reservationId: r.id,
        });
      if (claim.result !== "moved") {
        const { status } = claim;
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
  const orderId = randomUUID();
  try {
    order = await writeOrder(deps, req, ids, items, orderId);
  } catch (err) {
    if (isDomainError(err)) {
      await unclaim(deps, claimed);
      throw err;
    }
    // The write may have committed with its answer lost: look before giving the holds back, or a
    // pending order would stay linked to holds that go back to the cart (and on sale).
    const written = await deps.db.order.findUnique({ where: { id: orderId }, select: { id: true, number: true } }).catch(() => undefined);
    if (!written) {
      // Not there (null), or Postgres cannot say (undefined: an outage, when the write almost
      // surely failed too; a pending order left by a lost COMMIT is never confirmed on its own,
      // and the next checkout of these holds fails it and writes its own, see writeOrder).
      await unclaim(deps, claimed);
      logger.error("[checkout] could not write the order", err);
      throw new DomainError("service_unavailable", "We could not place your order just now; your items are still held. Please try again.");
    }
    order = { orderId: written.id, number: written.number };
  }
  const confirmed = await confirmSafely(deps, order, ids);
  if (!confirmed.ok) {
    if (confirmed.short) {
      // Its holds are not all there: it cannot be bought any more; give back what is left of it.
      await endReservation(deps, confirmed.lost, {
        from: ["committing"],
        to: "failed",
        rule: "",
        type: "release",
        who: { source: "checkout", actor: "" },
        fields: { endReason: "part of this hold was lost" },
      });
    }
    await unclaim(
      deps,
      claimed.filter((id) => id !== confirmed.short),
    );
    throw new DomainError(
      "reservation_expired",
      "A hold in your cart ran out while your order was being placed: the order was not placed and nothing was charged.",
      { reservationId: confirmed.lost },
    );
  }
  return order;
}

async function unclaim(deps: Deps, ids: string[]): Promise<void> {
  for (const id of ids) {
    const key = deps.keys.reservation(id);
    const back = await transitionReservation(deps.redis, { key, from: "committing", to: "held" });
    if (back.result === "moved") {
      const expiresAt = Number(await deps.redis.hget(key, "expiresAt"));
      await deps.redis.zadd(deps.keys.holdDeadlines, expiresAt, id);
    }
  }
}

/**
 * A checkout asked for holds an earlier attempt already claimed. When that attempt wrote its
 * order, this one finishes it — gates, sale, confirmation,
 * all idempotent — and answers with it (the whole order, as first asked), so a shopper whose first request died is told the truth
 * (their order) rather than "not held" while the expiry worker confirms it behind them. Without
 * an order the first attempt is still running or died before writing it (then the expiry worker
 * gives the units back): the shopper is asked to look again in a moment.
 */
async function resumeCheckout(deps: Deps, ids: string[], reservations: { id: string; status: string }[]): Promise<CheckoutResult> {
  const links = await deps.db.orderReservation.findMany({ where: { reservationId: { in: ids } }, include: { order: true } });
  const orders = new Set(links.map((l) => l.orderId));
  if (links.length === ids.length && orders.size === 1) {
    const order = links[0]!.order;
    const result = { orderId: order.id, number: order.number };
    if (order.status === "confirmed") return result;
    const all = await deps.db.orderReservation.findMany({ where: { orderId: order.id }, select: { reservationId: true } });
    const confirmed = await confirmSafely(
      deps,
      result,
      all.map((l) => l.reservationId),
    );
    if (confirmed.ok) return result;
    throw new DomainError(
      "reservation_expired",
      "A hold in your cart ran out while your order was being placed: the order was not placed and nothing was charged.",
      { reservationId: confirmed.lost },
    );
  }
  const busy = reservations.find((r) => r.status === "committing");
  if (busy && links.length === 0) {
    throw new DomainError("checkout_in_progress", "Your order is still being placed. Wait a moment, then look at your cart again.", {
      reservationId: busy.id,
    });
  }
  const taken = reservations.find((r) => r.status === "committing" || r.status === "committed")!;
  throw new DomainError("reservation_not_held", `A reservation in your cart is ${taken.status}.`, {
    reservationId: taken.id,
    status: taken.status,
  });
}

/**
 * Confirm, and turn a failure part-way (Redis or Postgres failing after the order was written)
 * into the truth: the order if it is confirmed, otherwise "still being placed" — the order's
 * reservations are still on the expiry worker's to-do list, and it finishes them.
 */
async function confirmSafely(deps: Deps, order: CheckoutResult, ids: string[]): Promise<Confirmation> {
  try {
    return await confirmOrder(deps, order, ids);
  } catch (err) {
    if (isDomainError(err)) throw err;
    logger.error(`[checkout] confirming order ${order.number} failed part-way; the expiry worker finishes it`, err);
    const now = await deps.db.order.findUnique({ where: { id: order.orderId }, select: { status: true } }).catch(() => null);
    if (now?.status === "confirmed") return { ok: true };
    throw new DomainError("checkout_in_progress", "Your order is still being placed. Wait a moment, then look at your cart again.", {
      orderId: order.orderId,
    });
  }
}

/**
 * The order row for claimed holds (id `id`). An earlier attempt for exactly these holds may have
 * written one and died (or lost its answer): that pending order is used. A pending order linked
 * to only some of them, or to others too, was left by an attempt whose claims were given back:
 * it is failed and unlinked first, so it can never be confirmed for a cart it does not match.
 */
async function writeOrder(
  deps: Deps,
  req: Pick<CheckoutRequest, "sessionId" | "email" | "name">,
  reservationIds: string[],
  items: (ReservationItem & { reservationId: string })[],
  id: string,
): Promise<CheckoutResult> {
  const existing = await deps.db.orderReservation.findMany({ where: { reservationId: { in: reservationIds } }, include: { order: true } });
  const stale = new Set<string>();
  for (const link of existing) {
    const all = await deps.db.orderReservation.findMany({ where: { orderId: link.orderId }, select: { reservationId: true } });
    const exact = all.length === reservationIds.length && all.every((l) => reservationIds.includes(l.reservationId));
    if (exact && link.order.status === "pending") return { orderId: link.order.id, number: link.order.number };
    stale.add(link.orderId);
  }
  for (const orderId of stale) {
    await deps.db.$transaction(async (tx) => {
      await tx.order.updateMany({ where: { id: orderId, status: "pending" }, data: { status: "failed" } });
      await tx.orderReservation.deleteMany({ where: { orderId } });
    });
  }
  const skus = await deps.db.sku.findMany({ where: { code: { in: items.map((i) => i.sku) } }, select: { code: true, priceCents: true } });
  const price = new Map(skus.map((s) => [s.code, s.priceCents]));
  const lines = items
    .filter((i) => i.quantity > 0)
    .map((i) => ({
      id: randomUUID(),
      sku: i.sku,
      quantity: i.quantity,
      unitPriceCents: price.get(i.sku) ?? 0,
    }));
  const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
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

/** `short`: the reservation refused had a line no longer held in full (not one undone meanwhile). */
type Confirmation = { ok: true } | { ok: false; lost: string; short?: string };

/**
 * Confirm an order whose reservations are claimed: pass every reservation through the gate
 * ("committing" -> "committed", recording the order), then sell their lines and mark the
 * order confirmed. If one of them was undone meanwhile (the expiry worker took a slow
 * checkout for a dead one), the gates already passed are put back to "committing", the
 * order is marked failed and its reservation links dropped (so the shopper can check out
 * the remaining holds again), and nothing is sold. Idempotent: the checkout and the expiry
 * worker may both run it for the same order.
 */
export async function confirmOrder(deps: Deps, order: CheckoutResult, ids: string[]): Promise<Confirmation> {
  const gated: string[] = [];
  const refuse = async (lost: string): Promise<Confirmation> => {
    // Postgres first, and only while the order is pending: a concurrent confirm (the expiry
    // worker's, or a retry's) that got there first wins, and its answer is the order's.
    const failed = await deps.db.$transaction(async (tx) => {
      const { count } = await tx.order.updateMany({ where: { id: order.orderId, status: "pending" }, data: { status: "failed" } });
      if (count) await tx.orderReservation.deleteMany({ where: { orderId: order.orderId } });
      return count > 0;
    });
    if (!failed) {
      const now = await deps.db.order.findUnique({ where: { id: order.orderId }, select: { status: true } });
      if (now?.status === "confirmed") return { ok: true };
    }
    // Gates this call passed go back to "committing" (the caller unclaims them). A death before
    // that leaves them "committed" to a failed order: finishStalledCheckout puts them back.
    for (const g of gated) await transitionReservation(deps.redis, { key: deps.keys.reservation(g), from: "committed", to: "committing" });
    return { ok: false, lost };
  };
  // Nothing gives back the holds of a claimed (committing) reservation, so each line must still
  // be held in full: a line whose hold is gone (Redis lost writes) would be "sold" without taking
  // stock. Such a reservation is treated like one undone meanwhile.
  const short = await firstShortReservation(deps, ids);
  if (short) {
    const refused = await refuse(short);
    return refused.ok ? refused : { ...refused, short };
  }
  for (const id of ids) {
    const key = deps.keys.reservation(id);
    const gate = await transitionReservation(deps.redis, {
      key,
      from: "committing",
      to: "committed",
      set: { orderId: order.orderId, orderNumber: order.number },
    });
    if (gate.result === "moved") {
      gated.push(id);
      continue;
    }
    if (gate.status === "committed" && (await deps.redis.hget(key, "orderId")) === order.orderId) continue; // a concurrent confirm
    return refuse(id);
  }
  for (const id of ids) await sellCommitted(deps, id);
  await deps.db.order.updateMany({
    where: { id: order.orderId, status: "pending" },
    data: { status: "confirmed", confirmedAt: new Date() },
  });
  // Only now off the expiry worker's to-do list: a death before the confirmation above leaves
  // these reservations due, and the worker finishes the order (finishStalledCheckout). A failure
  // here is harmless: the worker finds them committed and confirmed, and drops them.
  await deps.redis.zrem(deps.keys.holdDeadlines, ...ids).catch((err: unknown) => {
    logger.error(`[checkout] order ${order.number} is confirmed; its to-do entries stay for the expiry worker:`, err);
  });
  return { ok: true };
}

/** The first of `ids` (claimed, not yet sold) with a line not held in full, or null. */
async function firstShortReservation(deps: Deps, ids: string[]): Promise<string | null> {
  for (const id of ids) {
    const [itemsJson, status] = await deps.redis.hmget(deps.keys.reservation(id), "items", "status");
    if (status !== "committing") continue; // already committed (a concurrent confirm), or undone: the gate decides
    const items = parseReservationItems(itemsJson);
    const held = await Promise.all(items.map(({ sku }) => deps.redis.hget(deps.keys.holds(sku), id)));
    if (!items.some((item, i) => item.quantity > 0 && Number(held[i] ?? 0) < item.quantity)) continue;
    // Still "committing" after the holds were read: nothing sold them (a sale follows its gate),
    // so they are really gone. Otherwise a concurrent confirm gated and sold it meanwhile.
    if ((await deps.redis.hget(deps.keys.reservation(id), "status")) === "committing") return id;
  }
  return null;
}

/** Turn a committed reservation's holds into sales (idempotent); it stays on the to-do list until its order is confirmed. */
async function sellCommitted(deps: Deps, id: string): Promise<void> {
  const key = deps.keys.reservation(id);
  const [itemsJson, orderNumber] = await deps.redis.hmget(key, "items", "orderNumber");
  const items = parseReservationItems(itemsJson);
  await Promise.all(
    items.map(({ sku }) =>
      commitHold(deps.redis, {
        stockKey: deps.keys.stock(sku),
        holdsKey: deps.keys.holds(sku),
        eventsKey: deps.keys.events(sku),
        channel: deps.keys.eventsChannel,
        sku,
        reservationId: id,
        source: "checkout",
        actor: "",
        orderNumber: orderNumber ?? "",
      }),
    ),
  );
}

/**
 * Finish a checkout the expiry worker found unfinished: a reservation "committed" whose lines
 * may not be sold yet (sell them, confirm the order), or one "committing" for longer than
 * STALLED_CHECKOUT_MS (its process died, or its order write is slow): roll forward when its
 * order is in Postgres, otherwise give the units back.
 */
export async function finishStalledCheckout(deps: Deps, id: string): Promise<void> {
  const key = deps.keys.reservation(id);
  const [status, since, orderId] = await deps.redis.hmget(key, "status", "committingSince", "orderId");
  if (status === "committed") {
    // Past its gate: finish the whole order (its other holds may not be gated or sold yet).
    const order = orderId ? await deps.db.order.findUnique({ where: { id: orderId }, include: { reservations: true } }) : null;
    if (!order) {
      // Past its gate with no order row to finish (the row was written before the gate, so only
      // a lost Postgres gets here): the gate is the promise of a sale, so it is sold.
      await sellCommitted(deps, id);
      await deps.redis.zrem(deps.keys.holdDeadlines, id);
      return;
    }
    if (order.status !== "failed" && order.reservations.some((r) => r.reservationId === id)) {
      await confirmOrder(
        deps,
        { orderId: order.id, number: order.number },
        order.reservations.map((r) => r.reservationId),
      );
      return;
    }
    // Its order was refused (a process died between failing it and putting this gate back):
    // put it back, and the stalled-checkout rule below gives its units back.
    await transitionReservation(deps.redis, { key, from: "committed", to: "committing" });
    return finishStalledCheckout(deps, id);
  }
  if (status !== "committing") return;
  if ((await redisNow(deps.redis)) - Number(since) < STALLED_CHECKOUT_MS) return; // still in progress somewhere
  const link = await deps.db.orderReservation.findUnique({ where: { reservationId: id }, include: { order: true } });
  if (link) {
    const all = await deps.db.orderReservation.findMany({ where: { orderId: link.orderId }, select: { reservationId: true } });
    await confirmOrder(
      deps,
      { orderId: link.order.id, number: link.order.number },
      all.map((r) => r.reservationId),
    );
    return;
  }
  const outcome = await endReservation(deps, id, {
    from: ["committing"],
    to: "expired",
    rule: "",
    type: "expire",
    who: { source: "expiry-worker", actor: "stalled-checkout" },
  });
  // The checkout's own confirm won the race after all: finish its sale instead.
  if (!outcome.ended && outcome.status === "committed") await finishStalledCheckout(deps, id);
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
