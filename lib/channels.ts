// Inbound sales-channel webhooks (`POST /api/v1/webhooks/channels/:channel`): a signed event
// changes a SKU's stock once, however often the channel sends it, and a late, older absolute
// report never undoes a newer one. The ChannelDelivery row is written before the stock moves:
// its partial unique indexes on (channel, eventId) and on the signed body's digest (the same
// signed bytes replayed to another channel's URL) are the idempotency gate.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Deps } from "./context";
import { DomainError, isDomainError } from "./errors";
import { adjustStock } from "./inventory";
import { withoutNul } from "./api/schemas";
import { SKU_PATTERN } from "./keys";

export const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const channelName = z.string().regex(CHANNEL_PATTERN, "Channel names are 1 to 40 lower-case letters, digits, '-' or '_'.");

export const channelEventBody = z.object({
  eventId: withoutNul(z.string().min(1).max(200)),
  sku: z.string().regex(SKU_PATTERN, "not a valid SKU code"),
  delta: z.number().int().refine((n) => n !== 0 && Number.isSafeInteger(n), "must be a non-zero whole number"),
  occurredAt: z.iso.datetime({ offset: true }),
  onHand: z.number().int().min(0).max(1_000_000_000).optional(),
});
export type ChannelEvent = z.infer<typeof channelEventBody>;

export type ChannelDeliveryStatus = "received" | "applied" | "duplicate" | "stale" | "rejected";

export type ChannelEventResult =
  | { status: "applied"; eventId: string; sku: string; onHand: number; available: number; version: number }
  | { status: "duplicate"; eventId: string; first: ChannelDeliveryStatus }
  | { status: "stale"; eventId: string; sku: string; newerThan: string };

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
    throw new DomainError("invalid_signature", "X-Stockwire-Signature is missing or does not match the body (sha256=<hex HMAC-SHA256 of the raw body>).");
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

/**
 * Record and apply a verified, parsed channel event exactly once: once per (channel, eventId),
 * and once per signed body (`bodyDigest`) across every channel.
 */
export async function applyChannelEvent(deps: Deps, channel: string, event: ChannelEvent, bodyDigest: string | null = null): Promise<ChannelEventResult> {
  const occurredAt = new Date(event.occurredAt);
  const row = {
    channel,
    eventId: event.eventId,
    sku: event.sku,
    delta: event.delta,
    onHand: event.onHand ?? null,
    occurredAt,
    bodyDigest,
  };
  const id = deliveryId();
  try {
    await deps.db.channelDelivery.create({ data: { id, ...row, status: "received" } });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const first = await deps.db.channelDelivery.findFirst({
      where: {
        OR: [{ channel, eventId: event.eventId }, ...(bodyDigest ? [{ bodyDigest }] : [])],
        status: { not: "duplicate" },
      },
      select: { status: true },
    });
    await deps.db.channelDelivery.create({ data: { id: deliveryId(), ...row, status: "duplicate" } });
    return { status: "duplicate", eventId: event.eventId, first: (first?.status ?? "received") as ChannelDeliveryStatus };
  }

  try {
    if (event.onHand === undefined) return await applyDelta(deps, id, channel, event);
    // An absolute report: decide "stale or not" and apply under one lock per (channel, SKU), so
    // two reports racing cannot both pass the check in the wrong order.
    return await deps.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtext(${`channel:${channel}:${event.sku}`}))`;
        const newer = await tx.channelDelivery.findFirst({
          where: { channel, sku: event.sku, status: "applied", onHand: { not: null }, occurredAt: { gt: occurredAt } },
          orderBy: { occurredAt: "desc" },
          select: { eventId: true },
        });
        if (newer) {
          await tx.channelDelivery.update({
            where: { id },
            data: { status: "stale", error: `Older than report ${newer.eventId}, already applied.` },
          });
          return { status: "stale" as const, eventId: event.eventId, sku: event.sku, newerThan: newer.eventId };
        }
        return applyDelta(deps, id, channel, event, tx);
      },
      { timeout: 10_000 },
    );
  } catch (err) {
    if (isDomainError(err)) {
      await deps.db.channelDelivery.update({ where: { id }, data: { status: "rejected", error: err.message } });
    } else {
      // Redis or Postgres failed before the outcome was known: forget the row so the channel's
      // retry is processed instead of being answered "duplicate".
      await deps.db.channelDelivery.deleteMany({ where: { id, status: "received" } }).catch(() => {});
    }
    throw err;
  }
}

type RowWriter = Pick<Deps["db"], "channelDelivery">;

async function applyDelta(deps: Deps, id: string, channel: string, event: ChannelEvent, tx: RowWriter = deps.db): Promise<ChannelEventResult> {
  const level = await adjustStock(deps, {
    sku: event.sku,
    delta: event.delta,
    type: "channel",
    reason: "channel",
    source: `channel:${channel}`,
    actor: event.eventId,
  });
  await tx.channelDelivery.update({ where: { id }, data: { status: "applied", version: level.version } });
  return { status: "applied", eventId: event.eventId, sku: event.sku, onHand: level.onHand, available: level.available, version: level.version };
}

/** Recent inbound deliveries, newest first, grouped by channel (for the back office). */
export async function recentChannelDeliveries(deps: Pick<Deps, "db">, opts: { perChannel?: number; channels?: number } = {}): Promise<Map<string, ChannelDeliveryInfo[]>> {
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
    out.set(channel, rows.map((r) => ({ ...r, status: r.status as ChannelDeliveryStatus })));
  }
  return out;
}
