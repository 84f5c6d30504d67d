// Low-stock and sold-out alerts. At most one alert per SKU and kind is open at a time: the
// partial unique index "Alert_open_sku_kind_key" (sku, kind) WHERE acknowledgedAt IS NULL
// makes raising idempotent, so every sidecar may try and only one insert wins. An open alert
// stays open until a person acknowledges it, even if the SKU was restocked meanwhile: a sell-out
// during a drop is worth knowing about after the fact.
import { randomUUID } from "node:crypto";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import type { StockEvent } from "../shared/types";

/** `event_held`: a stock change of the SKU was held back from the ledger (lib/ledger/quarantine.ts). */
export type AlertKind = "low_stock" | "sold_out" | "event_held";

/** An alert as the back office and the /admin feed see it (times in ms since the epoch). */
export interface AdminAlert {
  id: string;
  sku: string;
  kind: AlertKind;
  /** Units available when it was raised. */
  available: number;
  /** The SKU's low-stock threshold when it was raised. */
  threshold: number;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

interface AlertRow {
  id: string;
  sku: string;
  kind: string;
  available: number;
  threshold: number;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}

function toAlert(row: AlertRow): AdminAlert {
  return {
    id: row.id,
    sku: row.sku,
    kind: row.kind === "sold_out" || row.kind === "event_held" ? row.kind : "low_stock",
    available: row.available,
    threshold: row.threshold,
    raisedAt: row.raisedAt.getTime(),
    acknowledgedAt: row.acknowledgedAt?.getTime() ?? null,
    acknowledgedBy: row.acknowledgedBy,
  };
}

/** Which alert a SKU's availability calls for: sold out at 0, low at or under the threshold, else none. */
export function alertKindFor(available: number, threshold: number): AlertKind | null {
  if (available <= 0) return "sold_out";
  if (available <= threshold) return "low_stock";
  return null;
}

/**
 * Open an alert unless one of the same kind is already open for the SKU. Returns the new
 * alert, or null when one was open (the insert that lost the race to the unique index).
 */
export async function raiseAlert(
  deps: Pick<Deps, "db">,
  input: { sku: string; kind: AlertKind; available: number; threshold: number },
): Promise<AdminAlert | null> {
  const rows = await deps.db.$queryRaw<AlertRow[]>`
    INSERT INTO "Alert" ("id", "sku", "kind", "available", "threshold")
    VALUES (${randomUUID()}, ${input.sku}, ${input.kind}, ${input.available}, ${input.threshold})
    ON CONFLICT ("sku", "kind") WHERE "acknowledgedAt" IS NULL DO NOTHING
    RETURNING "id", "sku", "kind", "available", "threshold", "raisedAt", "acknowledgedAt", "acknowledgedBy"`;
  return rows[0] ? toAlert(rows[0]) : null;
}

/**
 * Raise the alert a stock event calls for, reading the SKU's threshold from its counters.
 * `kind` is what the event calls for (null: nothing); `alert` the new alert, or null when
 * nothing was raised or one of that kind was already open.
 */
export async function raiseAlertForEvent(
  deps: Pick<Deps, "db" | "redis" | "keys">,
  event: StockEvent,
): Promise<{ kind: AlertKind | null; alert: AdminAlert | null }> {
  const low = await deps.redis.hget(deps.keys.stock(event.sku), "low");
  const threshold = low == null ? 5 : Number(low);
  const kind = alertKindFor(event.available, threshold);
  if (!kind) return { kind, alert: null };
  return { kind, alert: await raiseAlert(deps, { sku: event.sku, kind, available: Math.max(0, event.available), threshold }) };
}

export interface AlertBoard {
  /** Newest first. */
  open: AdminAlert[];
  /** The most recently acknowledged, newest acknowledgement first. */
  acknowledged: AdminAlert[];
}

/** Every open alert and the last few acknowledged ones, for the alerts screen. */
export async function alertBoard(deps: Pick<Deps, "db">, acknowledgedToShow = 30): Promise<AlertBoard> {
  const [open, acknowledged] = await Promise.all([
    deps.db.alert.findMany({ where: { acknowledgedAt: null }, orderBy: { raisedAt: "desc" } }),
    deps.db.alert.findMany({ where: { acknowledgedAt: { not: null } }, orderBy: { acknowledgedAt: "desc" }, take: acknowledgedToShow }),
  ]);
  return { open: open.map(toAlert), acknowledged: acknowledged.map(toAlert) };
}

/** How many alerts wait for a person. */
export async function openAlertCount(deps: Pick<Deps, "db">): Promise<number> {
  return deps.db.alert.count({ where: { acknowledgedAt: null } });
}

/**
 * Acknowledge an open alert as `actor`. Acknowledging one already acknowledged changes nothing
 * and returns it as it is (two people clicking at once both succeed; the first one is recorded).
 */
export async function acknowledgeAlert(deps: Pick<Deps, "db">, id: string, actor: string, now = new Date()): Promise<AdminAlert> {
  // Only an open row is updated, so a second acknowledgement never overwrites the first one's name.
  await deps.db.alert.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: now, acknowledgedBy: actor } });
  const row = await deps.db.alert.findUnique({ where: { id } });
  if (!row) throw new DomainError("not_found", "No such alert.");
  return toAlert(row);
}
