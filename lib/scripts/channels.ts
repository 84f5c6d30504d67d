// The script door (./index.ts): the sales-channel report.
import { type Client } from "./client";
import { type StockKeys } from "./stock";

// ---- channel-report-6.lua ----------------------------------------------------------------------

export type ChannelReportOutcome =
  /** Applied (an event was emitted); also the first reply again for a repeated operation id. */
  | { result: "applied"; onHand: number; available: number; version: number }
  /** A count equal to the current onHand: recorded as the channel's count, no event. */
  | { result: "unchanged"; onHand: number; available: number; version: number }
  /**
   * Stale, nothing changed: a movement at or before the channel's last applied count, or a count
   * not newer than it; `countEvent` names that count ("" when the report is older than the
   * window movements are kept for).
   */
  | { result: "stale"; countEvent: string }
  | { result: "unknown_sku" }
  /** onHand would fall below reserved + safety; `limit`: the largest decrease allowed. */
  | { result: "below_reserved"; onHand: number; limit: number }
  /** onHand would exceed a Postgres integer; `limit`: the largest increase allowed. */
  | { result: "out_of_range"; onHand: number; limit: number }
  /** The operation id was used before for another report; nothing changed. */
  | { result: "operation_reused" };

export interface ChannelReportKeys extends StockKeys {
  /** The channel's state for the SKU (keys.channelCount(channel, sku)). */
  channelCount: string;
  /** The channel's applied movements for the SKU (keys.channelMovements(channel, sku)). */
  channelMovements: string;
}

export interface ChannelReportRequest {
  sku: string;
  kind: "movement" | "count";
  /** The delta (movement) or onHand (count). */
  value: number;
  /** The channel's time of the report (ms since the epoch). */
  occurredAtMs: number;
  operationId: string;
  /** The report's event id. */
  eventId: string;
  source: string;
  actor: string;
  /** The pub/sub channel. */
  channel: string;
}

/** Apply one sales-channel report to a SKU (a movement once, a count last-writer-wins by its time), once per operation id. */
export async function channelReport(redis: Client, keys: ChannelReportKeys, req: ChannelReportRequest): Promise<ChannelReportOutcome> {
  const [code, onHand, available, version, countEvent] = await redis.swChannelReport(
    keys.stock,
    keys.events,
    keys.ops,
    keys.opsAt,
    keys.channelCount,
    keys.channelMovements,
    req.sku,
    req.kind,
    req.value,
    req.occurredAtMs,
    req.operationId,
    req.eventId,
    req.source,
    req.actor,
    req.channel,
  );
  switch (code) {
    case 1:
      return { result: "applied", onHand, available, version };
    case 2:
      return { result: "unchanged", onHand, available, version };
    case 3:
      return { result: "stale", countEvent };
    case -1:
      return { result: "unknown_sku" };
    case -3:
      return { result: "below_reserved", onHand, limit: available };
    case -4:
      return { result: "out_of_range", onHand, limit: available };
    case -5:
      return { result: "operation_reused" };
    default:
      throw new Error(`channel-report answered an unknown code ${String(code)}`);
  }
}
