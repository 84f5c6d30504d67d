// Outbound webhooks: subscribed URLs are told about stock changes. This file keeps the
// subscriptions and turns stock events and alerts into pending deliveries (./delivery.ts sends
// them; only the sidecar calls out, server/workers/webhooks.ts, so the storefront never waits on a
// subscriber).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { storableText } from "../shared/validation";
import type { Deps } from "../core/deps";
import { DomainError } from "../core/errors";
import type { AdminAlert } from "../backoffice/alerts";
import type { StockEvent } from "../shared/types";
import { logFor } from "../core/log";

const logger = logFor("webhooks");

/** Every stock change · only changes that leave a SKU at or under its threshold · only alerts raised. */
export const WEBHOOK_EVENT_FILTERS = ["all", "low_stock", "alerts"] as const;
export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];

export const webhookCreateBody = z.object({
  url: storableText({ max: 2000 }).refine((u) => {
    try {
      const parsed = new URL(u);
      return (parsed.protocol === "http:" || parsed.protocol === "https:") && !parsed.username && !parsed.password;
    } catch {
      return false;
    }
  }, "Enter an http:// or https:// URL (without credentials in it)."),
  events: z.enum(WEBHOOK_EVENT_FILTERS).default("all"),
  /** Optional: the receiver's own key; one is generated when left out. */
  secret: storableText({ min: 16, max: 200, trim: false }).optional(),
});
export type WebhookCreate = z.input<typeof webhookCreateBody>;

export const webhookId = z.string().regex(/^whk_[A-Za-z0-9_-]{10,40}$/, "not a webhook subscription id");

export interface WebhookSubscriptionInfo {
  id: string;
  url: string;
  events: WebhookEventFilter;
  active: boolean;
  createdAt: Date;
  createdBy: string | null;
  /** The last four characters of the secret, to tell subscriptions apart. */
  secretHint: string;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryInfo {
  id: string;
  subscriptionId: string;
  eventKey: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastStatusCode: number | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** The JSON body a subscriber receives. */
export type WebhookPayload =
  | {
      type: "stock.changed";
      /** Also in `X-Stockwire-Delivery`: receivers drop a delivery id they have already seen. */
      deliveryId: string;
      lowStock: boolean;
      event: StockEvent;
    }
  | { type: "alert.raised"; deliveryId: string; alert: AdminAlert };

type SubscriptionRow = {
  id: string;
  url: string;
  secret: string;
  events: string;
  active: boolean;
  createdAt: Date;
  createdBy: string | null;
};

function toSubscription(row: SubscriptionRow): WebhookSubscriptionInfo {
  return {
    id: row.id,
    url: row.url,
    events: row.events === "low_stock" || row.events === "alerts" ? row.events : "all",
    active: row.active,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    secretHint: row.secret.slice(-4),
  };
}

function toDelivery(row: Omit<WebhookDeliveryInfo, "status"> & { status: string }): WebhookDeliveryInfo {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    eventKey: row.eventKey,
    status: row.status as WebhookDeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    lastStatusCode: row.lastStatusCode,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
  };
}

/** Subscribe a URL; `secret` is returned here and never again. */
export async function createWebhookSubscription(
  deps: Pick<Deps, "db">,
  input: WebhookCreate & { createdBy?: string | null },
): Promise<{ subscription: WebhookSubscriptionInfo; secret: string }> {
  const body = webhookCreateBody.parse(input);
  const secret = body.secret ?? `whsec_${randomBytes(24).toString("base64url")}`;
  const row = await deps.db.webhookSubscription.create({
    data: {
      id: `whk_${randomBytes(12).toString("base64url")}`,
      url: body.url,
      secret,
      events: body.events,
      createdBy: input.createdBy ?? null,
    },
  });
  const subscription = toSubscription(row);
  logger.info(
    `[webhooks] ${input.createdBy ?? "someone"} subscribed ${urlForLogs(subscription.url)} (${subscription.id}, ${subscription.events})`,
  );
  return { subscription, secret };
}

/** A URL without its query string and fragment, which may carry a receiver's token: logs keep the rest. */
export function urlForLogs(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search || u.hash ? "?…" : ""}`;
  } catch {
    return "(unparseable URL)";
  }
}

/** Subscriptions, newest first. */
export async function listWebhookSubscriptions(deps: Pick<Deps, "db">): Promise<WebhookSubscriptionInfo[]> {
  const rows = await deps.db.webhookSubscription.findMany({ orderBy: { createdAt: "desc" } });
  return rows.map(toSubscription);
}

/** Remove a subscription and its delivery log; nothing more is sent to it. */
export async function deleteWebhookSubscription(deps: Pick<Deps, "db">, id: string): Promise<WebhookSubscriptionInfo> {
  const row = await deps.db.webhookSubscription.findUnique({ where: { id } });
  if (!row) throw new DomainError("not_found", "No such webhook subscription.");
  await deps.db.webhookSubscription.deleteMany({ where: { id } });
  return toSubscription(row);
}

/** A subscription's deliveries, newest first. */
export async function listWebhookDeliveries(
  deps: Pick<Deps, "db">,
  subscriptionId: string,
  opts: { limit?: number } = {},
): Promise<WebhookDeliveryInfo[]> {
  const exists = await deps.db.webhookSubscription.count({ where: { id: subscriptionId } });
  if (!exists) throw new DomainError("not_found", "No such webhook subscription.");
  const rows = await deps.db.webhookDelivery.findMany({
    where: { subscriptionId },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(opts.limit ?? 50, 1), 200),
  });
  return rows.map(toDelivery);
}

/** Queue one delivery per active subscription that wants this event (idempotent per sku:version). */
export async function enqueueStockEvent(deps: Pick<Deps, "db">, event: StockEvent, lowStockThreshold: number): Promise<number> {
  return enqueueStockEvents(deps, [{ event, lowStockThreshold }]);
}

/** enqueueStockEvent for a batch: one look-up of the subscriptions, one insert. */
export async function enqueueStockEvents(
  deps: Pick<Deps, "db">,
  events: { event: StockEvent; lowStockThreshold: number }[],
): Promise<number> {
  if (events.length === 0) return 0;
  const subscriptions = await deps.db.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } });
  if (subscriptions.length === 0) return 0;
  const data = events.flatMap(({ event, lowStockThreshold }) => {
    const lowStock = event.available <= lowStockThreshold;
    const eventKey = `${event.sku}:${event.version}`;
    return subscriptions
      .filter((s) => s.events === "all" || (s.events === "low_stock" && lowStock))
      .map((s) => {
        const id = `whd_${randomBytes(12).toString("base64url")}`;
        const payload: WebhookPayload = { type: "stock.changed", deliveryId: id, lowStock, event };
        return { id, subscriptionId: s.id, eventKey, payload: payload as object };
      });
  });
  if (data.length === 0) return 0;
  // Every sidecar hears every event; the first one's rows win.
  const { count } = await deps.db.webhookDelivery.createMany({ data, skipDuplicates: true });
  return count;
}

/** Tell the subscriptions that asked for alerts about a newly raised one (once: keyed by the alert id). */
export async function enqueueAlert(deps: Pick<Deps, "db">, alert: AdminAlert): Promise<number> {
  const subscriptions = await deps.db.webhookSubscription.findMany({ where: { active: true, events: "alerts" }, select: { id: true } });
  if (subscriptions.length === 0) return 0;
  const data = subscriptions.map((s) => {
    const id = `whd_${randomBytes(12).toString("base64url")}`;
    const payload: WebhookPayload = { type: "alert.raised", deliveryId: id, alert };
    return { id, subscriptionId: s.id, eventKey: `alert:${alert.id}`, payload: payload as object };
  });
  const { count } = await deps.db.webhookDelivery.createMany({ data, skipDuplicates: true });
  return count;
}
