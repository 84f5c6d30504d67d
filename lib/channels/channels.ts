// Inbound sales-channel webhooks (`POST /api/v1/webhooks/channels/:channel`). A report is a
// movement (a delta, applied once whatever its arrival order) or a count (onHand at the
// channel's time, last-writer-wins by that time, applied as a set); docs/channels.md has the
// rule and a worked example, lib/scripts/lua/channel-report-6.lua applies it atomically. The
// ChannelDelivery row is written before the stock moves: its partial unique indexes on
// (channel, eventId) and on the signed body's digest (the same signed bytes replayed to
// another channel's URL) are the idempotency gate, and the report's operation id makes Redis
// apply it once even when the row's outcome was lost and the channel retries.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Deps } from "../core/deps";
import { DomainError, isDomainError } from "../core/errors";
import { assertSku, operationReused } from "../stock/inventory";
import { SKU_PATTERN } from "../core/keys";
import { pgInt, PG_INT_MAX, storableText } from "../shared/validation";
import { channelReport } from "../scripts";

export const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const channelName = z.string().regex(CHANNEL_PATTERN, "Channel names are 1 to 40 lower-case letters, digits, '-' or '_'.");

/** How far ahead of our clock a report's occurredAt may be (clock skew); beyond, it is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * How long a report's operation id is remembered in Redis (lib/scripts/lua/includes/operation.lua): a
 * first delivery whose outcome was lost is finished by the channel's retry within this time.
 */
export const REDRIVE_WINDOW_MS = 24 * 60 * 60_000;

/**
 * A movement is `{ eventId, sku, delta, occurredAt }` (delta non-zero); a count is
 * `{ eventId, sku, onHand, occurredAt }`, where a `delta` is accepted (clients that send both
 * keep working), recorded and never applied.
 */
export const channelEventBody = z
  .object({
    eventId: storableText({ min: 1, max: 200, trim: false }),
    sku: z.string().regex(SKU_PATTERN, "not a valid SKU code"),
    delta: pgInt().optional(),
    occurredAt: z.iso.datetime({ offset: true }),
    onHand: pgInt({ min: 0 }).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.onHand === undefined && (e.delta === undefined || e.delta === 0)) {
      ctx.addIssue({ code: "custom", path: ["delta"], message: "a movement needs a non-zero whole number (or send onHand for a count)" });
    }
  });
export type ChannelEvent = z.infer<typeof channelEventBody>;

export type ChannelDeliveryStatus = "received" | "applied" | "duplicate" | "stale" | "rejected";

export type ChannelEventResult =
  | { status: "applied"; eventId: string; sku: string; onHand: number; available: number; version: number }
  | { status: "duplicate"; eventId: string; first: ChannelDeliveryStatus }
  /** `newerThan`: the applied count that already includes this report; null when it is older than what is kept. */
  | { status: "stale"; eventId: string; sku: string; newerThan: string | null };

export interface ChannelDeliveryInfo {
  id: string;
  channel: string;
  eventId: string;
  sku: string;
  delta: number;
  onHand: number | null;
  occurredAt: Date;
  receivedAt: Date;
  status: ChannelDeliveryStatus;
  error: string | null;
  version: number | null;
}

/** `sha256=<hex>` or bare hex of HMAC-SHA256(secret, raw body). */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Whether a signature header matches the raw body, compared in constant time. */
export function verifySignature(secret: string, body: Buffer, header: string | null): boolean {
  if (!header) return false;
  const hex = header.trim().replace(/^sha256=/i, "");
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, "hex"));
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "P2002";
}

const deliveryId = () => `chd_${randomBytes(12).toString("base64url")}`;

/**
 * Receive one channel event: verify the signature over the raw bytes, parse, record, apply.
 * Throws 401 invalid_signature, 400 invalid_request, 404 unknown_sku (recorded as rejected),
 * 409 stock_below_reserved (recorded as rejected).
 */
export async function receiveChannelEvent(
  deps: Deps,
  input: { channel: string; rawBody: Buffer; signature: string | null; secret: string | undefined },
): Promise<ChannelEventResult> {
  const channel = channelName.safeParse(input.channel);
  if (!channel.success) throw new DomainError("invalid_request", channel.error.issues[0]?.message ?? "Bad channel name.");
  if (!input.secret) throw new DomainError("invalid_signature", "Channel webhooks are not configured on this server (WEBHOOK_SECRET).");
  // Nothing about the body is looked at before the signature holds.
  if (!verifySignature(input.secret, input.rawBody, input.signature)) {
    throw new DomainError(
      "invalid_signature",
      "X-Stockwire-Signature is missing or does not match the body (sha256=<hex HMAC-SHA256 of the raw body>).",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(input.rawBody.toString("utf8"));
  } catch {
    throw new DomainError("invalid_request", "The body is not valid JSON.");
  }
  const parsed = channelEventBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError("invalid_request", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return applyChannelEvent(deps, channel.data, parsed.data, createHash("sha256").update(input.rawBody).digest("hex"));
}

/** What a delivery row says the channel reported (a first delivery is re-driven from it). */
interface Report {
  channel: string;
  eventId: string;
  sku: string;
  delta: number;
  onHand: number | null;
  occurredAt: Date;
}

/**
 * Record and apply a verified, parsed channel event exactly once: once per (channel, eventId),
 * and once per signed body (`bodyDigest`) across every channel.
 */
export async function applyChannelEvent(
  deps: Deps,
  channel: string,
  event: ChannelEvent,
  bodyDigest: string | null = null,
): Promise<ChannelEventResult> {
  const occurredAt = new Date(event.occurredAt);
  // A count from the future would make every real count after it stale until that time comes.
  if (occurredAt.getTime() > Date.now() + MAX_FUTURE_SKEW_MS) {
    throw new DomainError(
      "invalid_request",
      `occurredAt: ${event.occurredAt} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future.`,
    );
  }
  const report: Report = {
    channel,
    eventId: event.eventId,
    sku: event.sku,
    delta: event.delta ?? 0,
    onHand: event.onHand ?? null,
    occurredAt,
  };
  const id = deliveryId();
  try {
    await deps.db.channelDelivery.create({ data: { id, ...report, bodyDigest, status: "received" } });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const first = await deps.db.channelDelivery.findFirst({
      where: {
        OR: [{ channel, eventId: event.eventId }, ...(bodyDigest ? [{ bodyDigest }] : [])],
        status: { not: "duplicate" },
      },
    });
    await deps.db.channelDelivery.create({ data: { id: deliveryId(), ...report, bodyDigest, status: "duplicate" } });
    // Still "received": the first delivery's outcome was lost (its process died, or Redis
    // applied it and a later step failed). Finish it from its own row; the operation id
    // keeps Redis from applying it a second time.
    if (first?.status === "received" && Date.now() - first.receivedAt.getTime() < REDRIVE_WINDOW_MS) {
      return settleDelivery(deps, first.id, first);
    }
    return { status: "duplicate", eventId: event.eventId, first: (first?.status ?? "received") as ChannelDeliveryStatus };
  }
  return settleDelivery(deps, id, report);
}

/** The operation id of a channel report: the same for every delivery of one (channel, eventId). */
export function channelOperationId(channel: string, eventId: string): string {
  return `channel:${channel}:${eventId}`;
}

// Rows move out of "received" once; a concurrent re-drive of the same row writes the same outcome.
async function settleDelivery(deps: Deps, id: string, report: Report): Promise<ChannelEventResult> {
  let result: ChannelEventResult;
  try {
    result = await applyReport(deps, report);
  } catch (err) {
    if (isDomainError(err)) {
      await deps.db.channelDelivery.updateMany({ where: { id, status: "received" }, data: { status: "rejected", error: err.message } });
    }
    // Anything else leaves the row "received": the outcome is unknown, and the channel's
    // retry finishes it (see applyChannelEvent) instead of being told "duplicate".
    throw err;
  }
  if (result.status === "applied") {
    await deps.db.channelDelivery.updateMany({ where: { id, status: "received" }, data: { status: "applied", version: result.version } });
  } else if (result.status === "stale") {
    const error = result.newerThan
      ? `Already included in count ${result.newerThan}, applied before.`
      : `Older than the ${REDRIVE_WINDOW_MS / 3_600_000} h of movements kept: it cannot be placed.`;
    await deps.db.channelDelivery.updateMany({ where: { id, status: "received" }, data: { status: "stale", error } });
  }
  return result;
}

async function applyReport(deps: Deps, report: Report): Promise<ChannelEventResult> {
  assertSku(report.sku);
  const { channel, sku, eventId } = report;
  const count = report.onHand !== null;
  const operationId = channelOperationId(channel, eventId);
  const reported = await channelReport(
    deps.redis,
    {
      stock: deps.keys.stock(sku),
      events: deps.keys.events(sku),
      ops: deps.keys.stockOps(sku),
      opsAt: deps.keys.stockOpsAt(sku),
      channelCount: deps.keys.channelCount(channel, sku),
      channelMovements: deps.keys.channelMovements(channel, sku),
    },
    {
      sku,
      kind: count ? "count" : "movement",
      value: report.onHand ?? report.delta,
      occurredAtMs: report.occurredAt.getTime(),
      operationId,
      eventId,
      source: `channel:${channel}`,
      actor: eventId,
      channel: deps.keys.eventsChannel,
    },
  );
  switch (reported.result) {
    case "applied":
    case "unchanged": {
      const { onHand, available, version } = reported;
      return { status: "applied", eventId, sku, onHand, available, version };
    }
    case "stale":
      return { status: "stale", eventId, sku, newerThan: reported.countEvent || null };
    case "unknown_sku":
      throw new DomainError("unknown_sku", `No SKU ${sku}.`);
    case "below_reserved": {
      const { onHand, limit } = reported;
      throw new DomainError(
        "stock_below_reserved",
        count
          ? `On-hand stock of ${sku} cannot be set to ${report.onHand} now: ${onHand - limit} units are held by shoppers or kept as safety stock.`
          : `On-hand stock of ${sku} can drop by at most ${limit} now: the rest is held by shoppers or kept as safety stock.`,
        { maxDecrease: limit },
      );
    }
    case "out_of_range":
      throw new DomainError("invalid_request", `On-hand stock of ${sku} is limited to ${PG_INT_MAX.toLocaleString("en")} units.`, {
        reason: "on_hand_out_of_range",
        maxIncrease: reported.limit,
      });
    case "operation_reused":
      throw operationReused(operationId);
  }
}

/** Recent inbound deliveries, newest first, grouped by channel (for the back office). */
export async function recentChannelDeliveries(
  deps: Pick<Deps, "db">,
  opts: { perChannel?: number; channels?: number } = {},
): Promise<Map<string, ChannelDeliveryInfo[]>> {
  const perChannel = opts.perChannel ?? 20;
  const channels = await deps.db.channelDelivery.groupBy({
    by: ["channel"],
    _max: { receivedAt: true },
    orderBy: { _max: { receivedAt: "desc" } },
    take: opts.channels ?? 20,
  });
  const out = new Map<string, ChannelDeliveryInfo[]>();
  for (const { channel } of channels) {
    const rows = await deps.db.channelDelivery.findMany({ where: { channel }, orderBy: { receivedAt: "desc" }, take: perChannel });
    out.set(
      channel,
      rows.map((r) => ({ ...r, status: r.status as ChannelDeliveryStatus })),
    );
  }
  return out;
}
