// Every HTTP operation Stockwire serves, described once: the route's own zod schemas for what it
// reads (path, query, body), lib/api/openapi/responses.ts for what it answers, and the error codes
// it can send. lib/api/openapi/document.ts turns this table into the OpenAPI 3.1 document;
// tests/unit/openapi.test.ts fails when a route file and this table disagree, and the e2e suite
// validates every response it sees against the document.
import { z } from "zod";
import "zod-openapi";
import {
  adjustBody,
  checkoutBody,
  deliveriesQuery,
  productSlug,
  reconciliationBody,
  reservationBody,
  reservationId,
  saleAction,
  saleCreateBody,
  saleId,
  salesListQuery,
  saleUpdateBody,
  skuCode,
  skuUpsertBody,
  ticketId,
  tokensListQuery,
} from "../schemas";
import { apiTokenCreateBody, staffRecordId, userCreateBody, userUpdateBody } from "../../auth/schemas";
import { channelEventBody, channelName } from "../../channels/channels";
import { webhookCreateBody, webhookId } from "../../webhooks/subscriptions";
import { auditQuery } from "../../backoffice/audit";
import type { ErrorCode } from "../../core/errors";
import * as r from "./responses";
import { BULK_MAX_ROWS, bulkRow } from "../../shared/bulk-rows";

/** The bulk sync's body as documented: the route reads `rows` one by one (a bad row refuses only its SKU), the document shows what a row must be. */
const bulkSyncDocBody = z.strictObject({ rows: z.array(bulkRow).min(1).max(BULK_MAX_ROWS) });

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** Who may call: anyone, a shopper with the session cookie, staff (merchandiser or admin), admin only, a signed channel. */
export type Access = "public" | "shopper" | "merchandiser" | "admin" | "channel";

export interface Operation {
  method: HttpMethod;
  /** The OpenAPI path template (`{sku}`), mapped from the route folder (`[sku]`). */
  path: string;
  operationId: string;
  tag: "Catalog" | "Inventory" | "Reservations" | "Flash sales" | "Channels" | "Back office" | "Staff" | "Outbound webhooks" | "Health";
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out entirely (an empty body counts as `{}`). */
  bodyOptional?: boolean;
  /** Accepts `Idempotency-Key`: a retry with the same key is the same request. */
  /** Takes an Idempotency-Key header; "required" when the route refuses a request without one. */
  idempotent?: boolean | "required";
  /** Success answers by status. `csv` marks a text/csv download instead of JSON. */
  responses: Record<number, { description: string; schema?: z.ZodType; csv?: true; headers?: Record<string, string> }>;
  /** Error codes beyond the ones every operation of its kind can send (see `errorCodesOf`). */
  errors: ErrorCode[];
}

const sku = z.strictObject({ sku: skuCode.meta({ description: "The SKU code.", example: "TEE-ORG-BLK-M" }) });
const sale = z.strictObject({ saleId: saleId.meta({ description: "The sale's id.", example: "sneaker-drop" }) });
const reservation = z.strictObject({
  id: reservationId.meta({
    description: "The reservation's id, as returned when it was placed.",
    example: "r_6f1c2b0e9a7d4c1f8e3b5a2d9c0e7f14",
  }),
});
const slug = z.strictObject({
  slug: productSlug.meta({ description: "The product's slug.", example: "organic-tee" }),
});

/** The document describes itself loosely: an OpenAPI 3.1 object. */
const openApiDocumentShape = z
  .looseObject({
    openapi: z.literal("3.1.0"),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "OpenApiDocument", description: "An OpenAPI 3.1 document." });

export const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/api/health",
    operationId: "getHealth",
    tag: "Health",
    summary: "Liveness, readiness and the ledger's state",
    description:
      "200 `ok` or `attention` (serving, but a person should look: quarantined events, eviction risk); 503 `degraded` when a backing store does not answer (take the instance out of rotation).",
    access: "public",
    responses: {
      200: { description: "Serving.", schema: r.HealthResponse },
      503: { description: "Degraded: a backing store does not answer.", schema: r.HealthResponse },
    },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "Health",
    summary: "This document",
    description: "Rendered for people at /developers/api.",
    access: "public",
    responses: { 200: { description: "The OpenAPI 3.1 document.", schema: openApiDocumentShape } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/products",
    operationId: "listProducts",
    tag: "Catalog",
    summary: "Every product on sale, with its variants and live availability",
    access: "public",
    responses: { 200: { description: "The catalog.", schema: r.ProductList } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/products/{slug}",
    operationId: "getProduct",
    tag: "Catalog",
    summary: "One product by slug",
    access: "public",
    params: slug,
    responses: { 200: { description: "The product.", schema: r.Product } },
    errors: ["not_found"],
  },
  {
    method: "get",
    path: "/api/v1/inventory/{sku}",
    operationId: "getStockLevel",
    tag: "Inventory",
    summary: "A SKU's stock level",
    description: "`available = onHand − reserved − safety`, never below 0 here; `version` grows with every change.",
    access: "public",
    params: sku,
    responses: { 200: { description: "The level now.", schema: r.StockLevel } },
    errors: ["unknown_sku"],
  },
  {
    method: "post",
    path: "/api/v1/reservations",
    operationId: "placeReservation",
    tag: "Reservations",
    summary: "Hold units for the shopper's session",
    description:
      "All lines or none: a line that cannot be held refuses the whole request with `insufficient_stock`. A hold expires unless it is checked out; a flash-sale SKU needs the admitted shopper's `queueToken`.",
    access: "shopper",
    body: reservationBody,
    idempotent: true,
    responses: {
      201: { description: "Held.", schema: r.ReservationPlaced },
      200: {
        description: "A retry with the same Idempotency-Key: the same hold, not a second one.",
        schema: r.ReservationPlaced,
        headers: { "idempotent-replayed": "true on a replay." },
      },
    },
    errors: [
      "unknown_sku",
      "insufficient_stock",
      "request_in_progress",
      "idempotency_key_reused",
      "queue_token_required",
      "queue_token_invalid",
      "sale_limit_reached",
      "sale_closed",
      "sale_sold_out",
      "rate_limited",
    ],
  },
  {
    method: "get",
    path: "/api/v1/reservations/{id}",
    operationId: "getReservation",
    tag: "Reservations",
    summary: "One of the session's holds",
    access: "shopper",
    params: reservation,
    responses: { 200: { description: "The hold.", schema: r.Reservation } },
    errors: ["not_found"],
  },
  {
    method: "post",
    path: "/api/v1/reservations/{id}/extend",
    operationId: "extendReservation",
    tag: "Reservations",
    summary: "Extend a hold once",
    access: "shopper",
    params: reservation,
    responses: { 200: { description: "The new expiry.", schema: r.ReservationExtended } },
    errors: ["not_found", "reservation_not_held", "reservation_expired", "already_extended"],
  },
  {
    method: "post",
    path: "/api/v1/reservations/{id}/release",
    operationId: "releaseReservation",
    tag: "Reservations",
    summary: "Give a hold back",
    access: "shopper",
    params: reservation,
    responses: { 200: { description: "Released (or already ended: the answer says how).", schema: r.ReservationReleased } },
    errors: ["not_found", "checkout_in_progress"],
  },
  {
    method: "post",
    path: "/api/v1/reservations/{id}/checkout",
    operationId: "checkoutReservation",
    tag: "Reservations",
    summary: "Turn a hold into an order",
    access: "shopper",
    params: reservation,
    body: checkoutBody,
    bodyOptional: true,
    responses: { 201: { description: "The order.", schema: r.OrderPlaced } },
    errors: ["not_found", "reservation_not_held", "reservation_expired", "checkout_in_progress"],
  },
  {
    method: "get",
    path: "/api/v1/sales/{saleId}",
    operationId: "getSale",
    tag: "Flash sales",
    summary: "A sale as shoppers see it",
    access: "public",
    params: sale,
    responses: { 200: { description: "The sale, its counters and its products.", schema: r.PublicSale } },
    errors: ["not_found"],
  },
  {
    method: "post",
    path: "/api/v1/sales/{saleId}/queue",
    operationId: "joinQueue",
    tag: "Flash sales",
    summary: "Join a sale's line",
    description: "Places are kept in join order. The same session joining again gets its own ticket back (200).",
    access: "shopper",
    params: sale,
    responses: {
      201: { description: "Joined.", schema: r.QueueJoined },
      200: { description: "Already in the line: the same ticket.", schema: r.QueueJoined },
    },
    errors: ["not_found", "sale_closed", "sale_sold_out", "rate_limited"],
  },
  {
    method: "get",
    path: "/api/v1/sales/{saleId}/queue/{ticket}",
    operationId: "getQueueTicket",
    tag: "Flash sales",
    summary: "The shopper's place in line, and the admission token once admitted",
    access: "shopper",
    params: sale.extend({ ticket: ticketId.meta({ description: "The ticket from joining.", example: "t_AbCdEfGhIjKlMnOpQrStUvWx" }) }),
    responses: { 200: { description: "The place and the sale's counters.", schema: r.QueueTicketStatus } },
    errors: ["not_found"],
  },
  {
    method: "delete",
    path: "/api/v1/sales/{saleId}/queue/{ticket}",
    operationId: "leaveQueue",
    tag: "Flash sales",
    summary: "Leave the line, or give an unused turn back",
    access: "shopper",
    params: sale.extend({ ticket: ticketId }),
    responses: { 200: { description: "Left.", schema: r.QueueLeft } },
    errors: ["not_found"],
  },
  {
    method: "post",
    path: "/api/v1/webhooks/channels/{channel}",
    operationId: "receiveChannelEvent",
    tag: "Channels",
    summary: "A signed stock event from a sales channel",
    description:
      "A movement `{ eventId, sku, delta, occurredAt }` or a count `{ eventId, sku, onHand, occurredAt }`, signed with `X-Stockwire-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. Each `eventId` is applied once.",
    access: "channel",
    params: z.strictObject({ channel: channelName.meta({ description: "The channel's name.", example: "marketplace" }) }),
    body: channelEventBody,
    responses: { 200: { description: "Applied, a duplicate, or older than a count already applied.", schema: r.ChannelEventResult } },
    errors: ["invalid_signature", "unknown_sku", "stock_below_reserved", "idempotency_key_reused"],
  },
  {
    method: "post",
    path: "/api/v1/admin/inventory/{sku}/adjust",
    operationId: "adjustStock",
    tag: "Inventory",
    summary: "Move a SKU's stock by a delta, with a reason",
    access: "merchandiser",
    params: sku,
    body: adjustBody,
    idempotent: true,
    responses: { 200: { description: "The level after the change.", schema: r.StockLevel } },
    errors: ["unknown_sku", "stock_below_reserved", "idempotency_key_reused"],
  },
  {
    method: "get",
    path: "/api/v1/admin/inventory",
    operationId: "listInventory",
    tag: "Inventory",
    summary: "Every SKU's current level",
    access: "merchandiser",
    responses: { 200: { description: "The levels.", schema: r.InventoryLevels } },
    errors: [],
  },
  {
    method: "put",
    path: "/api/v1/admin/inventory",
    operationId: "bulkSyncInventory",
    tag: "Inventory",
    summary: "Bulk sync: up to 10,000 counts or movements, atomic per SKU",
    description:
      "Each row is a count (`onHand`: the units physically there) or a movement (`delta`), with a reason (a count defaults to recount, a movement to correction). Rows are grouped by SKU: a SKU's rows apply together, in order, or none of them do (an invalid row refuses its whole SKU). Other SKUs are not affected by one SKU's refusal. The Idempotency-Key names the sync: a retry with the same key and rows applies nothing twice (even after a partial failure it completes the rest); the same key with other rows is refused with 422. Bodies up to 4 MB.",
    access: "merchandiser",
    body: bulkSyncDocBody,
    idempotent: "required",
    responses: { 200: { description: "One result per row.", schema: r.BulkSyncResult } },
    errors: ["idempotency_key_reused", "payload_too_large"],
  },
  {
    method: "get",
    path: "/api/v1/admin/inventory.csv",
    operationId: "exportInventory",
    tag: "Inventory",
    summary: "Every SKU's current level as a CSV (the Import screen's columns)",
    access: "merchandiser",
    responses: { 200: { description: "sku, location, product, variant, onHand, reserved, safety, available; header first.", csv: true } },
    errors: [],
  },
  {
    method: "put",
    path: "/api/v1/admin/skus/{sku}",
    operationId: "upsertSku",
    tag: "Inventory",
    summary: "Create or update a SKU and its product, setting its count",
    access: "merchandiser",
    params: sku,
    body: skuUpsertBody,
    responses: {
      201: { description: "Created.", schema: r.SkuUpsertResult },
      200: { description: "Updated.", schema: r.SkuUpsertResult },
    },
    errors: ["stock_below_reserved"],
  },
  {
    method: "get",
    path: "/api/v1/admin/events",
    operationId: "listEvents",
    tag: "Back office",
    summary: "The audit trail: stock events, newest first",
    description: "Pass `next` from one page as `after` for the next.",
    access: "merchandiser",
    query: auditQuery,
    responses: { 200: { description: "One page.", schema: r.AuditEventsPage } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/admin/events.csv",
    operationId: "exportEvents",
    tag: "Back office",
    summary: "The audit trail as a CSV download",
    access: "merchandiser",
    query: auditQuery,
    responses: { 200: { description: "Every matching event (or `limit` of them), header first.", csv: true } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/admin/reconciliation",
    operationId: "getReconciliation",
    tag: "Back office",
    summary: "The latest reconciliation with its drift, and the last runs",
    access: "merchandiser",
    responses: { 200: { description: "The latest run and history.", schema: r.ReconciliationOverview } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/v1/admin/reconciliation",
    operationId: "runReconciliation",
    tag: "Back office",
    summary: "Compare live stock with the ledger now, and optionally repair the drift",
    access: "merchandiser",
    body: reconciliationBody,
    bodyOptional: true,
    responses: { 201: { description: "The run's report.", schema: r.ReconciliationReport } },
    errors: [],
  },
  {
    method: "get",
    path: "/api/v1/admin/sales",
    operationId: "listSales",
    tag: "Flash sales",
    summary: "Every sale with its live counters",
    access: "merchandiser",
    query: salesListQuery,
    responses: { 200: { description: "The sales.", schema: r.AdminSaleList } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/v1/admin/sales",
    operationId: "createSale",
    tag: "Flash sales",
    summary: "Schedule a flash sale",
    access: "merchandiser",
    body: saleCreateBody,
    responses: { 201: { description: "Scheduled.", schema: r.SaleDefinition } },
    errors: ["unknown_sku", "sale_conflict"],
  },
  {
    method: "get",
    path: "/api/v1/admin/sales/{saleId}",
    operationId: "getAdminSale",
    tag: "Flash sales",
    summary: "One sale with its live counters",
    access: "merchandiser",
    params: sale,
    responses: { 200: { description: "The sale.", schema: r.AdminSale } },
    errors: ["not_found"],
  },
  {
    method: "patch",
    path: "/api/v1/admin/sales/{saleId}",
    operationId: "updateSale",
    tag: "Flash sales",
    summary: "Change a sale's settings",
    access: "merchandiser",
    params: sale,
    body: saleUpdateBody,
    responses: { 200: { description: "The sale as it is now.", schema: r.SaleDefinition } },
    errors: ["not_found", "sale_conflict"],
  },
  {
    method: "post",
    path: "/api/v1/admin/sales/{saleId}/{action}",
    operationId: "controlSale",
    tag: "Flash sales",
    summary: "Start, pause, resume or close a sale",
    access: "merchandiser",
    params: sale.extend({ action: saleAction.meta({ description: "What to do." }) }),
    responses: { 200: { description: "The sale's state after the action.", schema: r.SaleControlResult } },
    errors: ["not_found", "sale_conflict"],
  },
  {
    method: "get",
    path: "/api/v1/admin/users",
    operationId: "listUsers",
    tag: "Staff",
    summary: "Staff accounts",
    access: "admin",
    responses: { 200: { description: "Every account.", schema: r.StaffUserList } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/v1/admin/users",
    operationId: "createUser",
    tag: "Staff",
    summary: "Create a staff account",
    access: "admin",
    body: userCreateBody,
    responses: { 201: { description: "Created.", schema: r.StaffUser } },
    errors: ["email_taken"],
  },
  {
    method: "patch",
    path: "/api/v1/admin/users/{userId}",
    operationId: "updateUser",
    tag: "Staff",
    summary: "Disable or enable a staff account (disabling ends its sessions at once)",
    access: "admin",
    params: z.strictObject({ userId: staffRecordId.meta({ description: "The user's id (u_…)." }) }),
    body: userUpdateBody,
    responses: { 200: { description: "The account now.", schema: r.StaffUser } },
    errors: ["not_found", "last_admin"],
  },
  {
    method: "get",
    path: "/api/v1/admin/tokens",
    operationId: "listApiTokens",
    tag: "Staff",
    summary: "API tokens (never their values)",
    access: "admin",
    query: tokensListQuery,
    responses: { 200: { description: "The tokens.", schema: r.ApiTokenList } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/v1/admin/tokens",
    operationId: "createApiToken",
    tag: "Staff",
    summary: "Create an API token; its value is shown in this answer only",
    access: "admin",
    body: apiTokenCreateBody,
    responses: { 201: { description: "Created, with the token's value.", schema: r.ApiTokenCreated } },
    errors: [],
  },
  {
    method: "delete",
    path: "/api/v1/admin/tokens/{tokenId}",
    operationId: "revokeApiToken",
    tag: "Staff",
    summary: "Revoke an API token; it stops working at once",
    access: "admin",
    params: z.strictObject({ tokenId: staffRecordId.meta({ description: "The token's id (tok_…)." }) }),
    responses: { 200: { description: "Revoked.", schema: r.ApiTokenInfo } },
    errors: ["not_found"],
  },
  {
    method: "get",
    path: "/api/v1/admin/webhooks",
    operationId: "listWebhookSubscriptions",
    tag: "Outbound webhooks",
    summary: "Outbound webhook subscriptions (secrets are not shown again)",
    access: "merchandiser",
    responses: { 200: { description: "The subscriptions.", schema: r.WebhookSubscriptionList } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/v1/admin/webhooks",
    operationId: "createWebhookSubscription",
    tag: "Outbound webhooks",
    summary: "Subscribe a URL to stock events; the signing secret is shown in this answer only",
    access: "admin",
    body: webhookCreateBody,
    responses: { 201: { description: "Subscribed, with the signing secret.", schema: r.WebhookSubscriptionCreated } },
    errors: [],
  },
  {
    method: "delete",
    path: "/api/v1/admin/webhooks/{subscriptionId}",
    operationId: "deleteWebhookSubscription",
    tag: "Outbound webhooks",
    summary: "Unsubscribe; pending deliveries are dropped with it",
    access: "admin",
    params: z.strictObject({ subscriptionId: webhookId.meta({ description: "The subscription's id (whk_…)." }) }),
    responses: { 200: { description: "Removed.", schema: r.WebhookSubscriptionDeleted } },
    errors: ["not_found"],
  },
  {
    method: "get",
    path: "/api/v1/admin/webhooks/{subscriptionId}/deliveries",
    operationId: "listWebhookDeliveries",
    tag: "Outbound webhooks",
    summary: "A subscription's delivery log, newest first",
    access: "merchandiser",
    params: z.strictObject({ subscriptionId: webhookId }),
    query: deliveriesQuery,
    responses: { 200: { description: "The deliveries.", schema: r.WebhookDeliveryList } },
    errors: ["not_found"],
  },
];

/**
 * Every error code an operation can answer with: its own, plus what every operation of its kind
 * can send (a body can be malformed, a staff route can be unauthenticated, any route can find a
 * backing store down).
 */
export function errorCodesOf(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors);
  if (op.params || op.query || op.body) codes.add("invalid_request");
  if (op.body) {
    codes.add("payload_too_large");
    if (op.access !== "channel") codes.add("unsupported_media_type");
  }
  if (op.access === "shopper") codes.add("unauthorized");
  if (op.access === "merchandiser" || op.access === "admin") {
    codes.add("unauthorized");
    codes.add("forbidden");
  }
  if (op.path !== "/api/health" && op.path !== "/api/v1/openapi.json") codes.add("service_unavailable");
  return [...codes];
}
