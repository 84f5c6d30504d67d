// The stock event on the wire: the one codec every reader uses. The Lua scripts write each
// event twice in one step (lib/scripts/lua/includes/emit-event.lua): as a stream entry (flat fields,
// every value a string, `rid` for the reservation) for the ledger, and as JSON on Pub/Sub
// (`reservationId`) for everyone live. Both carry "" for an absent reason, actor or
// reservation; the domain type says null.
//
// Two strictnesses, on purpose, both defined here:
//   - decodeStockEvent (Pub/Sub: the gateway, alerts, outbound webhooks) drops a message that
//     is not a well-formed event: a live reader must never show or forward garbage.
//   - eventFromStream (the ledger) keeps everything the stream holds, as it is: the ledger is
//     the record of what happened, and Postgres decides what it can store (an event it refuses
//     is quarantined whole, lib/ledger/quarantine.ts), so nothing is dropped before that.
import { z } from "zod";
import { SKU_PATTERN } from "../core/keys";
import type { StockEvent, StockEventType } from "../shared/types";

export const STOCK_EVENT_TYPES = [
  "hold",
  "release",
  "expire",
  "sale",
  "adjust",
  "restock",
  "channel",
  "set",
  "rebuild",
] as const satisfies readonly StockEventType[];

const count = z.number().finite().catch(0);
const absentIsNull = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));

/** A stock event as published on Pub/Sub (JSON): required what a reader needs, defaults for the rest. */
export const StockEventMessage = z.object({
  type: z.enum(STOCK_EVENT_TYPES),
  sku: z.string().regex(SKU_PATTERN),
  location: absentIsNull.transform((v) => v ?? "main"),
  delta: count,
  onHand: count,
  reserved: count,
  safety: count,
  available: z.number().finite(),
  version: z.number().finite(),
  reason: absentIsNull,
  source: absentIsNull.transform((v) => v ?? "unknown"),
  actor: absentIsNull,
  reservationId: absentIsNull,
  at: z.number().finite(),
});

/** A Pub/Sub message as a stock event, or null when it is not one. */
export function decodeStockEvent(message: string): StockEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  const parsed = StockEventMessage.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** A stream entry's flat field list as an event, faithfully (see the top of this file). */
export function eventFromStream(fields: string[]): StockEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return {
    type: f.type as StockEventType,
    sku: f.sku ?? "",
    location: f.location ?? "main",
    delta: Number(f.delta),
    onHand: Number(f.onHand),
    reserved: Number(f.reserved),
    safety: Number(f.safety),
    available: Number(f.available),
    version: Number(f.version),
    reason: f.reason || null,
    source: f.source ?? "unknown",
    actor: f.actor || null,
    reservationId: f.rid || null,
    at: Number(f.at),
  };
}
