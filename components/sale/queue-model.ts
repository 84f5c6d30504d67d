// The shopper's view of a flash-sale line, kept exact from pushed frames alone (DESIGN, "Queue
// position updates must not cost one message per waiter per tick"): an exact snapshot from
// `queue:watch`, then each `queue` frame applied on top of it. Pure functions, so the rules
// are easy to read and to test; use-queue.ts wires them to the socket.
import type { QueueFrame, QueueSnapshot, SaleCounters, SaleStatus, TicketState, TicketView } from "@/lib/sales";

export interface QueueModel {
  counters: SaleCounters;
  /** This shopper's ticket, or null before joining. */
  ticket: TicketView | null;
  /** The place the shopper started from since joining (drives the progress bar). */
  startPosition: number;
  /** The signed admission token while the turn is open (fetched over HTTP, session-bound). */
  token: string | null;
}

export type DisplayState = TicketState | SaleStatus;

export function countersOf(c: SaleCounters): SaleCounters {
  return {
    status: c.status,
    tick: c.tick,
    admitted: c.admitted,
    admittedThrough: c.admittedThrough,
    waiting: c.waiting,
    prequeue: c.prequeue,
    unitsLeft: c.unitsLeft,
    stockLeft: c.stockLeft,
    rate: c.rate,
    startsAt: c.startsAt,
    now: c.now,
  };
}

function startFrom(prev: QueueModel, ticket: TicketView | null): number {
  if (!ticket || ticket.state !== "waiting") return 0;
  // The same place as before (same join sequence): keep where it started from.
  if (prev.ticket?.seq === ticket.seq && prev.ticket.state === "waiting") return Math.max(prev.startPosition, ticket.position);
  return ticket.position;
}

/** Replace everything with an exact snapshot (the ack of `queue:watch`). */
export function fromSnapshot(prev: QueueModel, snap: QueueSnapshot): QueueModel {
  const ticket = snap.ticket;
  const sameTurn = ticket?.state === "admitted" && prev.ticket?.state === "admitted" && prev.ticket.deadline === ticket.deadline;
  return {
    counters: countersOf(snap),
    ticket,
    startPosition: startFrom(prev, ticket),
    token: sameTurn ? prev.token : null,
  };
}

export interface FrameResult {
  model: QueueModel;
  /** The frame cannot be applied exactly (a missed frame, a place drawn at the start, a place lost): watch again. */
  rewatch: boolean;
  /** This frame admitted the shopper: fetch the admission token. */
  admitted: boolean;
}

/**
 * Apply one broadcast frame. A frame whose tick is not the last one + 1 means one was missed
 * (ask for a snapshot); otherwise the place moves up by the shoppers admitted since the last
 * frame (all of them were ahead: admission is in join order) and by those ahead who left.
 */
export function applyFrame(m: QueueModel, f: QueueFrame, windowSeconds: number): FrameResult {
  if (f.tick <= m.counters.tick) return { model: m, rewatch: false, admitted: false };
  if (f.tick !== m.counters.tick + 1) return { model: m, rewatch: true, admitted: false };
  let ticket = m.ticket;
  let rewatch = false;
  let admitted = false;
  if (ticket?.state === "waiting") {
    const seq = ticket.seq;
    if (seq <= f.admittedThrough) {
      // Admitted in this very tick: its deadline is the tick's time plus the window.
      ticket = { ...ticket, state: "admitted", position: 0, deadline: f.now + windowSeconds * 1000 };
      admitted = true;
    } else if (f.departed.includes(seq)) {
      rewatch = true; // this place was dropped (away too long): the snapshot says why
    } else {
      const ahead = f.admitted - m.counters.admitted + f.departed.filter((q) => q < seq).length;
      if (ahead > 0) ticket = { ...ticket, position: Math.max(1, ticket.position - ahead) };
    }
  } else if (ticket?.state === "pre" && f.status !== "scheduled") {
    rewatch = true; // the start drew a random place for everyone in the pre-queue
  }
  if (ticket && (ticket.state === "waiting" || ticket.state === "pre") && (f.status === "soldout" || f.status === "closed")) {
    ticket = { ...ticket, state: f.status };
  }
  return { model: { ...m, counters: countersOf(f), ticket }, rewatch, admitted };
}

/** What the shopper sees: the ticket's state, the sale's when it overrides it, the sale's before joining. */
export function displayState(m: QueueModel, now: number): DisplayState {
  const saleOver = m.counters.status === "soldout" || m.counters.status === "closed";
  const t = m.ticket;
  if (!t) return m.counters.status;
  let state: TicketState = t.state;
  if (state === "admitted" && t.deadline > 0 && now >= t.deadline) state = t.units > 0 ? "done" : "expired";
  // Once everything is sold (or the sale ended) a turn can buy nothing more: only what was
  // already taken under it still counts.
  if (saleOver) return state === "done" || (state === "admitted" && t.units > 0) ? "done" : m.counters.status;
  return state;
}
