// The success bodies of every HTTP route under app/api, exactly as they arrive over the wire: after
// JSON serialisation (a Date is an ISO 8601 string ending in Z, an undefined field is left out).
// Every object is strict, so a field the schema does not name is an error: lib/api/openapi/document.ts
// turns these into the OpenAPI document's components, and the e2e suite validates every real
// response against it. The enums are checked by the compiler against the domain types they mirror.
import { z } from "zod";
import "zod-openapi";
import type { StaffRole as DomainStaffRole } from "../../auth/roles";
import { STAFF_ROLES } from "../../auth/roles";
import type { ChannelDeliveryStatus } from "../../channels/channels";
import { ERROR_STATUS, type ErrorCode as DomainErrorCode } from "../../core/errors";
import type { RedisMemory } from "../../core/redis-memory";
import { STOCK_EVENT_TYPES } from "../../events/codec";
import type { DriftField, ReconcileTrigger } from "../../ledger/reconcile";
import type { SaleStatus as DomainSaleStatus, TicketState as DomainTicketState } from "../../sales/model";
import { RESERVATION_ID_PATTERN } from "../../shared/limits";
import type { ReservationStatus as DomainReservationStatus, StockEventType as DomainStockEventType } from "../../shared/types";
import type { WebhookDeliveryStatus, WebhookEventFilter } from "../../webhooks/subscriptions";

// ---- helpers --------------------------------------------------------------------------------

/**
 * The members of a string union as a tuple for z.enum, checked by the compiler both ways: a
 * member missing from `values` is a type error (naming it), and so is a value not in the union.
 */
function literalsOf<T extends string>() {
  return <const V extends readonly [T, ...T[]]>(
    values: V & ([Exclude<T, V[number]>] extends [never] ? unknown : { missing: Exclude<T, V[number]> }),
  ) => values;
}

/** A whole number (every count, version and id-like number here; JSON has no integer type of its own). */
const int = () => z.number().int();

/** A `Date` (or epoch milliseconds through `toISOString()`) as serialised: "2026-12-03T19:00:00.000Z". */
const instant = (description?: string) => (description ? z.iso.datetime().meta({ description }) : z.iso.datetime());

/** Epoch milliseconds, as a number (Redis's clock, or a stored time passed through `getTime()`). */
const epochMs = (description: string) => int().min(0).meta({ description });

const sku = () => z.string().meta({ description: "The SKU code.", example: "TEE-ORG-BLK-M" });

const reservationId = () =>
  z.string().regex(RESERVATION_ID_PATTERN).meta({ description: "The reservation's id.", example: "r_6f1c2b0e9a7d4c1f8e3b5a2d9c0e7f14" });

/** A flash-sale ticket id (lib/sales/model.ts TICKET_PATTERN): derived from the sale and the session. */
const ticketId = () =>
  z
    .string()
    .regex(/^t_[A-Za-z0-9_-]{24}$/)
    .meta({
      description: "The shopper's ticket in the sale's line (the same one every time this session joins).",
      example: "t_Qm9vZ2xlZ29vZ2xlZ29vZ2xl",
    });

// ---- shared enums ---------------------------------------------------------------------------

export const StockEventType = z
  .enum(literalsOf<DomainStockEventType>()(STOCK_EVENT_TYPES))
  .meta({ id: "StockEventType", description: "What kind of stock change an event records." });

export const ReservationStatus = z
  .enum(literalsOf<DomainReservationStatus>()(["pending", "held", "committing", "committed", "released", "expired", "failed"]))
  .meta({ id: "ReservationStatus", description: "Where a reservation is in its life: held until checked out, released or expired." });

export const SaleStatus = z
  .enum(literalsOf<DomainSaleStatus>()(["scheduled", "starting", "live", "paused", "soldout", "closed"]))
  .meta({ id: "SaleStatus", description: "A flash sale's state: scheduled, admitting (live), paused, sold out or closed." });

export const TicketState = z
  .enum(literalsOf<DomainTicketState>()(["pre", "waiting", "admitted", "done", "expired", "lapsed", "left", "soldout", "closed"]))
  .meta({
    id: "TicketState",
    description:
      "A shopper's place in a sale: pre (joined before the start), waiting, admitted (their turn), done or expired (turn over), lapsed, left, or the sale's soldout/closed.",
  });

export const StaffRole = z.enum(literalsOf<DomainStaffRole>()(STAFF_ROLES)).meta({
  id: "StaffRole",
  description: "A staff role: admin can do everything a merchandiser can, and manage users, tokens and webhooks.",
});

// ---- health ---------------------------------------------------------------------------------

const backingState = () => z.enum(["ok", "down"]);

export const HealthResponse = z
  .strictObject({
    status: z.enum(["ok", "attention", "degraded"]).meta({
      description:
        "ok; attention (serving, but quarantined events or a Redis memory problem need a person); degraded (503: a store does not answer).",
    }),
    checks: z.strictObject({ redis: backingState(), postgres: backingState() }),
    ledger: z
      .strictObject({
        pending: int().min(0).meta({ description: "Stock events in Redis not yet copied to the Postgres ledger." }),
        quarantined: int().min(0).meta({ description: "Stock events the ledger could not take, awaiting a person." }),
      })
      .nullable()
      .meta({ description: "Null when degraded, or when either number could not be read in time." }),
    memory: z
      .strictObject({
        usedBytes: int().min(0),
        maxBytes: int().min(0).meta({ description: "Redis maxmemory; 0 when no limit is set." }),
        policy: z.string().meta({ description: "maxmemory-policy of the masters, comma-separated (noeviction is the only safe one)." }),
        problem: z
          .strictObject({
            code: z.enum(literalsOf<NonNullable<RedisMemory["problem"]>["code"]>()(["eviction_policy", "memory_high"])),
            message: z.string(),
          })
          .nullable(),
      })
      .nullable()
      .meta({ description: "Null when degraded, or when Redis's memory could not be read in time." }),
  })
  .meta({
    id: "HealthResponse",
    description: "Liveness and readiness: the backing stores, the ledger's backlog and Redis's memory (200 ok/attention, 503 degraded).",
  });

// ---- stock ----------------------------------------------------------------------------------

const stockLevelFields = () => ({
  sku: sku(),
  onHand: int().meta({ description: "Physical units." }),
  reserved: int().meta({ description: "Units held by shoppers' reservations." }),
  safety: int().meta({ description: "Units kept back as safety stock." }),
  available: int().min(0).meta({ description: "onHand − reserved − safety, never below 0 here." }),
  version: int().min(0).meta({ description: "Per-SKU version: increases by exactly one with every stock event." }),
});

export const StockLevel = z
  .strictObject(stockLevelFields())
  .meta({ id: "StockLevel", description: "A SKU's live stock counters (from Redis)." });

export const SkuUpsertResult = z
  .strictObject({
    created: z.boolean().meta({ description: "True when the SKU is new (201), false when it was updated (200)." }),
    ...stockLevelFields(),
    lowStockThreshold: int().min(0).meta({ description: "The product's low-stock threshold, copied to the SKU's counters." }),
  })
  .meta({ id: "SkuUpsertResult", description: "The SKU's stock level after it was created or updated with its product." });

export const InventoryLevels = z
  .strictObject({
    levels: z.array(
      z.strictObject({
        ...stockLevelFields(),
        location: z.string().meta({ description: "Where the units are (main)." }),
        product: z.string().meta({ description: "The product's name." }),
        variant: z.string().meta({ description: "The variant's label." }),
      }),
    ),
  })
  .meta({ id: "InventoryLevels", description: "Every SKU's live level, ordered by product and variant." });

export const BulkRowResult = z
  .strictObject({
    index: int().min(0).meta({ description: "The row's position in the request (0-based)." }),
    sku: sku().nullable().meta({ description: "The row's SKU (upper-cased), or null when none could be read." }),
    status: z.enum(["applied", "unchanged", "refused"]).meta({
      description: "applied: the SKU's rows changed its count; unchanged: they matched it already; refused: nothing of this SKU changed.",
    }),
    code: z
      .enum(["invalid_row", "unknown_sku", "stock_below_reserved", "on_hand_out_of_range", "sku_refused"])
      .optional()
      .meta({ description: "Why a row was refused; sku_refused: another row of the same SKU was, so none of its rows applied." }),
    message: z.string().optional().meta({ description: "The reason in a sentence." }),
    onHand: int().min(0).optional(),
    available: int().min(0).optional(),
    version: int().min(0).optional(),
  })
  .meta({ id: "BulkRowResult", description: "What happened to one row of a bulk sync." });

export const BulkSyncResult = z
  .strictObject({
    rows: int().min(1),
    skus: int().min(0).meta({ description: "Distinct SKUs in the request." }),
    applied: int().min(0),
    unchanged: int().min(0),
    refused: int().min(0),
    results: z.array(BulkRowResult).meta({ description: "One result per row, in request order." }),
  })
  .meta({ id: "BulkSyncResult", description: "The per-row outcome of a bulk sync; each SKU's rows applied together or not at all." });

export const StockEvent = z
  .strictObject({
    type: StockEventType,
    sku: sku(),
    location: z.string(),
    delta: int().meta({
      description: "Signed units: the change of available for hold/release/expire, of onHand for sale/adjust/restock/channel/set/rebuild.",
    }),
    onHand: int(),
    reserved: int(),
    safety: int(),
    available: int().meta({ description: "onHand − reserved − safety after the event (may be negative in the record)." }),
    version: int().min(0),
    reason: z.string().nullable(),
    source: z.string().meta({ description: "What made the change: storefront, api, admin-api, channel:<name>, expiry-worker, …" }),
    actor: z.string().nullable(),
    reservationId: z.string().nullable(),
    at: epochMs("When it happened, in milliseconds since the epoch (Redis's clock)."),
  })
  .meta({ id: "StockEvent", description: "One stock change as the ledger records it." });

export const AuditEventsPage = z
  .strictObject({
    events: z.array(StockEvent).meta({ description: "Newest first." }),
    next: z.string().nullable().meta({ description: "Pass as `after` for the next (older) page; null on the last page." }),
  })
  .meta({ id: "AuditEventsPage", description: "One page of the audit trail: ledger events matching the filter, newest first." });

// ---- reconciliation -------------------------------------------------------------------------

const reconciliationRunFields = () => ({
  id: z.string(),
  startedAt: instant(),
  finishedAt: instant().nullable().meta({ description: "Null while the run is still going (or if it died)." }),
  skus: int().min(0).meta({ description: "SKUs compared." }),
  drifted: int().min(0).meta({ description: "SKUs with at least one finding." }),
  repaired: int().min(0).meta({ description: "SKUs found clean again after their repair." }),
  trigger: z.enum(literalsOf<ReconcileTrigger>()(["schedule", "manual", "api"])),
  actor: z.string().nullable(),
});

export const ReconciliationRun = z
  .strictObject(reconciliationRunFields())
  .meta({ id: "ReconciliationRun", description: "One pass of the reconciler, without its findings." });

export const ReconciliationDrift = z
  .strictObject({
    sku: sku(),
    field: z.enum(literalsOf<DriftField>()(["onHand", "reserved", "safety", "version_behind", "orphan_hold", "stalled_checkout"])),
    redis: int().nullable().meta({ description: "Redis's value; null when Redis holds no counters for the SKU." }),
    expected: int().meta({ description: "The value Postgres says it should be." }),
    reservationId: z.string().optional().meta({
      description: "For orphan_hold and stalled_checkout, in the report of the run that found it only (not stored with the run).",
    }),
    repaired: z.boolean(),
  })
  .meta({
    id: "ReconciliationDrift",
    description: "One finding of a run: a SKU's field whose Redis value differs from the truth in Postgres.",
  });

export const ReconciliationReport = z
  .strictObject({
    ...reconciliationRunFields(),
    finishedAt: instant(),
    drifts: z.array(ReconciliationDrift),
  })
  .meta({ id: "ReconciliationReport", description: "A finished reconciliation run with every finding (and whether each was repaired)." });

export const ReconciliationOverview = z
  .strictObject({
    latest: ReconciliationReport.nullable().meta({ description: "The last finished run; null before the first." }),
    runs: z.array(ReconciliationRun).meta({ description: "The last runs, newest first (finished or not)." }),
  })
  .meta({ id: "ReconciliationOverview", description: "The latest reconciliation with its drift, and the most recent runs." });

// ---- catalog --------------------------------------------------------------------------------

export const Variant = z
  .strictObject({
    sku: sku(),
    label: z.string().meta({ example: "Black / M" }),
    size: z.string().nullable(),
    color: z.string().nullable(),
    priceCents: int().min(0),
    available: int().min(0).meta({ description: "Units that can be reserved now (0 when Redis has no counters for it)." }),
    version: int().min(0),
  })
  .meta({ id: "Variant", description: "A product variant (one SKU) with its live availability." });

export const Product = z
  .strictObject({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    hue: int().meta({ description: "Hue (0-360) of the generated product artwork." }),
    lowStockThreshold: int().min(0),
    variants: z.array(Variant),
  })
  .meta({ id: "Product", description: "A product with its variants and their live availability." });

export const ProductList = z
  .strictObject({ products: z.array(Product).meta({ description: "Every product, by name." }) })
  .meta({ id: "ProductList", description: "The catalog: every product, each in the same shape as GET /products/{slug}." });

// ---- reservations and checkout --------------------------------------------------------------

export const ReservationLine = z
  .strictObject({ sku: sku(), quantity: int().min(1) })
  .meta({ id: "ReservationLine", description: "Units of one SKU held by a reservation." });

export const ReservationPlaced = z
  .strictObject({
    id: reservationId(),
    expiresAt: instant("When the hold ends unless it is checked out (or extended)."),
    items: z.array(ReservationLine),
  })
  .meta({ id: "ReservationPlaced", description: "A hold just placed (or, on an idempotent replay, the same hold again)." });

export const Reservation = z
  .strictObject({
    id: reservationId(),
    status: ReservationStatus,
    items: z.array(ReservationLine),
    createdAt: instant(),
    expiresAt: instant(),
    extended: z.boolean().meta({ description: "Whether the hold was extended (it can be once)." }),
    orderId: z.string().nullable().meta({ description: "The order it became, once checked out." }),
  })
  .meta({ id: "Reservation", description: "One of the session's reservations." });

export const ReservationExtended = z
  .strictObject({ id: reservationId(), expiresAt: instant("The new end of the hold.") })
  .meta({ id: "ReservationExtended", description: "A hold extended once by the hold time." });

export const ReservationReleased = z
  .strictObject({ id: reservationId(), status: z.literal("released") })
  .meta({ id: "ReservationReleased", description: "A hold given back (releasing one already released answers the same)." });

export const OrderPlaced = z
  .strictObject({
    orderId: z.string(),
    number: z
      .string()
      .regex(/^SW-[2-9A-HJ-NP-Z]{7}$/)
      .meta({ description: "The order number shown to the shopper.", example: "SW-7KQ2M9X" }),
  })
  .meta({ id: "OrderPlaced", description: "The order a checkout placed (a retry of the same checkout answers with the same order)." });

// ---- flash sales ----------------------------------------------------------------------------

const saleDefinitionFields = () => ({
  id: z.string().meta({ example: "sneaker-drop" }),
  name: z.string(),
  description: z.string(),
  startsAt: instant(),
  status: SaleStatus,
  admissionRate: z.number().positive().meta({ description: "Shoppers admitted per second at most." }),
  perShopperLimit: int().min(1),
  admissionWindowSeconds: int().min(1).meta({ description: "How long an admitted shopper has to hold sale items." }),
  graceSeconds: int().min(0).meta({ description: "How long a place is kept with no page of it connected." }),
  overAdmitPercent: int().min(0).meta({ description: "Admitted-but-unserved shoppers allowed beyond the units left, in percent of them." }),
  skus: z.array(sku()),
  createdAt: instant(),
  closedAt: instant().nullable(),
});

export const SaleDefinition = z
  .strictObject(saleDefinitionFields())
  .meta({ id: "SaleDefinition", description: "A flash sale's definition as stored (Postgres)." });

/**
 * POST /admin/sales/{saleId}/{action} answers with the sale's definition after the action (the same
 * component: POST /admin/sales and PATCH /admin/sales/{saleId} answer with SaleDefinition too).
 */
export const SaleControlResult = SaleDefinition;

const saleCounterFields = () => ({
  status: SaleStatus,
  tick: int().min(0).meta({ description: "Increases with every change worth broadcasting." }),
  admitted: int().min(0).meta({ description: "Shoppers admitted so far." }),
  admittedThrough: int().min(0).meta({ description: "Join sequence of the last shopper admitted." }),
  waiting: int().min(0),
  prequeue: int().min(0),
  unitsLeft: int().min(0).meta({ description: "Units that can be added to a cart now, over all the sale's SKUs." }),
  stockLeft: int().min(0).meta({ description: "Units not yet sold (available + in carts)." }),
  rate: z.number().meta({ description: "Measured admissions per second (moving average), two decimals." }),
  startsAt: epochMs("The start, in milliseconds since the epoch (0 when unknown)."),
  now: epochMs("Redis's clock when read, in milliseconds since the epoch (the server's clock for a closed sale)."),
});

export const SaleCounters = z
  .strictObject(saleCounterFields())
  .meta({ id: "SaleCounters", description: "A sale's live counters as the admitter last left them." });

export const SaleQueueSnapshot = z
  .strictObject({
    ...saleCounterFields(),
    ticket: z.null().meta({ description: "Always null: no ticket is asked for here." }),
  })
  .meta({ id: "SaleQueueSnapshot", description: "A sale's live counters read from its queue (Redis), without a shopper's ticket." });

export const AdminSale = z
  .strictObject({
    ...saleDefinitionFields(),
    live: SaleQueueSnapshot.nullable().meta({
      description: "The queue's counters; null for a closed sale (and, in the list, when they could not be read).",
    }),
  })
  .meta({ id: "AdminSale", description: "A flash sale's definition with its live queue counters." });

export const AdminSaleList = z
  .strictObject({ sales: z.array(AdminSale).meta({ description: "Latest start first; closed sales only with ?closed=1." }) })
  .meta({ id: "AdminSaleList", description: "The flash sales, each with its live counters." });

export const PublicSale = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    startsAt: instant("The start (the queue's own when it was started early)."),
    perShopperLimit: int().min(1),
    admissionWindowSeconds: int().min(1),
    graceSeconds: int().min(0),
    counters: z.union([SaleQueueSnapshot, SaleCounters]).meta({
      description: "The queue's live counters (with `ticket: null`); for a closed sale, zeroed counters without `ticket`.",
    }),
    products: z.array(Product).meta({ description: "The sale's products, each with only its sale variants." }),
  })
  .meta({ id: "PublicSale", description: "A flash sale as shoppers see it: its settings, live counters and products." });

export const QueueJoined = z
  .strictObject({
    ticket: ticketId(),
    position: int().min(0).meta({ description: "1 = next in line; in the pre-queue, how many are in it." }),
    state: z.enum(["pre", "waiting", "admitted"] as const satisfies readonly DomainTicketState[]).meta({
      description: "pre before the start, waiting after it; admitted when this shopper already has their turn.",
    }),
    seq: int().min(0).meta({ description: "Join sequence (0 in the pre-queue): admitted in increasing order." }),
  })
  .meta({
    id: "QueueJoined",
    description: "A place in a sale's line: 201 when joined now, 200 with the same ticket when already in line.",
  });

export const QueueTicketStatus = z
  .strictObject({
    ticket: ticketId(),
    state: TicketState,
    position: int().min(0).meta({ description: "1 = next in line (waiting); in the pre-queue, how many are in it; 0 otherwise." }),
    seq: int().min(0),
    admitted: z.boolean().meta({ description: "Whether it is this shopper's turn now (state admitted)." }),
    token: z.string().optional().meta({
      description: "The admission token to send as `queueToken` when reserving sale SKUs; present exactly while admitted.",
    }),
    expiresAt: instant().optional().meta({ description: "End of the turn; present exactly while admitted, with `token`." }),
    units: int().min(0).meta({ description: "Units held or bought under this ticket (counted against the per-shopper limit)." }),
    sale: z
      .strictObject({
        status: SaleStatus,
        tick: int().min(0),
        admitted: int().min(0),
        admittedThrough: int().min(0),
        waiting: int().min(0),
        prequeue: int().min(0),
        unitsLeft: int().min(0),
        rate: z.number(),
        startsAt: instant(),
      })
      .meta({ description: "The sale's counters at the same instant." }),
  })
  .meta({
    id: "QueueTicketStatus",
    description: "The shopper's own place in a sale's line, with the admission token when it is their turn.",
  });

export const QueueLeft = z
  .strictObject({ left: z.boolean().meta({ description: "True when the ticket left the line (or gave its turn back) now." }) })
  .meta({ id: "QueueLeft", description: "The outcome of leaving a sale's line." });

// ---- staff: users and API tokens ------------------------------------------------------------

export const StaffUser = z
  .strictObject({
    id: z.string(),
    email: z.string().meta({ description: "Lower-cased." }),
    name: z.string(),
    role: StaffRole,
    createdAt: instant(),
    disabledAt: instant().nullable().meta({ description: "Set while the account may not sign in." }),
  })
  .meta({ id: "StaffUser", description: "A staff account of the back office." });

export const StaffUserList = z
  .strictObject({ users: z.array(StaffUser).meta({ description: "Admins first, then by name." }) })
  .meta({ id: "StaffUserList", description: "Every staff account." });

const apiTokenInfoFields = () => ({
  id: z.string().meta({ example: "tok_Zm9vYmFyYmF6" }),
  name: z.string(),
  role: StaffRole,
  createdAt: instant(),
  lastUsedAt: instant().nullable().meta({ description: "Updated at most once a minute." }),
  revokedAt: instant().nullable(),
  createdBy: z
    .strictObject({ id: z.string(), email: z.string(), name: z.string() })
    .nullable()
    .meta({ description: "The staff member who created it; null for a token created with ADMIN_API_TOKEN (or whose creator is gone)." }),
});

export const ApiTokenInfo = z
  .strictObject(apiTokenInfoFields())
  .meta({ id: "ApiTokenInfo", description: "An API token's record (never its value)." });

export const ApiTokenList = z
  .strictObject({ tokens: z.array(ApiTokenInfo).meta({ description: "Newest first; revoked ones only with ?revoked=1." }) })
  .meta({ id: "ApiTokenList", description: "The API tokens." });

export const ApiTokenCreated = z
  .strictObject({
    ...apiTokenInfoFields(),
    token: z
      .string()
      .regex(/^swt_[A-Za-z0-9_-]{43}$/)
      .meta({ description: "The bearer token: shown this once, only its hash is kept." }),
  })
  .meta({ id: "ApiTokenCreated", description: "A new API token's record with its plaintext value." });

// ---- outbound webhooks ----------------------------------------------------------------------

const webhookSubscriptionFields = () => ({
  id: z.string().meta({ example: "whk_Zm9vYmFyYmF6cXV4" }),
  url: z.string(),
  events: z
    .enum(literalsOf<WebhookEventFilter>()(["all", "low_stock", "alerts"]))
    .meta({ description: "all stock changes, only low_stock ones, or only alerts raised." }),
  active: z.boolean(),
  createdAt: instant(),
  createdBy: z.string().nullable(),
  secretHint: z.string().meta({ description: "The last four characters of the signing secret, to tell subscriptions apart." }),
});

export const WebhookSubscription = z
  .strictObject(webhookSubscriptionFields())
  .meta({ id: "WebhookSubscription", description: "An outbound webhook subscription (its secret is not shown again)." });

export const WebhookSubscriptionList = z
  .strictObject({ subscriptions: z.array(WebhookSubscription).meta({ description: "Newest first." }) })
  .meta({ id: "WebhookSubscriptionList", description: "The outbound webhook subscriptions." });

export const WebhookSubscriptionCreated = z
  .strictObject({
    ...webhookSubscriptionFields(),
    secret: z.string().meta({ description: "The HMAC-SHA256 signing secret: shown this once." }),
  })
  .meta({ id: "WebhookSubscriptionCreated", description: "A new subscription with its signing secret." });

export const WebhookSubscriptionDeleted = z
  .strictObject({ ...webhookSubscriptionFields(), deleted: z.literal(true) })
  .meta({ id: "WebhookSubscriptionDeleted", description: "The subscription as it was before it was removed with its delivery log." });

export const WebhookDelivery = z
  .strictObject({
    id: z.string(),
    subscriptionId: z.string(),
    eventKey: z.string().meta({ description: "sku:version of the stock event, or alert:<id>." }),
    status: z.enum(literalsOf<WebhookDeliveryStatus>()(["pending", "delivered", "failed"])),
    attempts: int().min(0),
    nextAttemptAt: instant(),
    lastError: z.string().nullable(),
    lastStatusCode: int().nullable().meta({ description: "The receiver's last HTTP status, if it answered." }),
    createdAt: instant(),
    deliveredAt: instant().nullable(),
  })
  .meta({ id: "WebhookDelivery", description: "One event owed to one subscription, and how its delivery went." });

export const WebhookDeliveryList = z
  .strictObject({ deliveries: z.array(WebhookDelivery).meta({ description: "Newest first." }) })
  .meta({ id: "WebhookDeliveryList", description: "A subscription's delivery log." });

// ---- inbound channel webhooks ---------------------------------------------------------------

export const ChannelEventApplied = z
  .strictObject({
    status: z.literal("applied"),
    eventId: z.string(),
    sku: sku(),
    onHand: int(),
    available: int().meta({ description: "onHand − reserved − safety after the change." }),
    version: int().min(0),
  })
  .meta({ id: "ChannelEventApplied", description: "The report moved the stock (or was a count equal to it): the SKU's counters now." });

export const ChannelEventDuplicate = z
  .strictObject({
    status: z.literal("duplicate"),
    eventId: z.string(),
    first: z
      .enum(["received", "applied", "stale", "rejected"] as const satisfies readonly ChannelDeliveryStatus[])
      .meta({ description: "What became of the first delivery of this event." }),
  })
  .meta({ id: "ChannelEventDuplicate", description: "This event (or these signed bytes) was delivered before: nothing changed." });

export const ChannelEventStale = z
  .strictObject({
    status: z.literal("stale"),
    eventId: z.string(),
    sku: sku(),
    newerThan: z
      .string()
      .nullable()
      .meta({ description: "The applied count that already includes this report; null when it is older than what is kept." }),
  })
  .meta({ id: "ChannelEventStale", description: "The report is older than a count already applied: nothing changed." });

export const ChannelEventResult = z
  .discriminatedUnion("status", [ChannelEventApplied, ChannelEventDuplicate, ChannelEventStale])
  .meta({ id: "ChannelEventResult", description: "What a channel's stock report did: applied, a duplicate, or stale." });

// ---- errors ---------------------------------------------------------------------------------

export const ErrorCode = z
  .enum([
    ...(Object.keys(ERROR_STATUS) as DomainErrorCode[]),
    // lib/core/http.ts errorResponse: an unexpected error (500).
    "internal_error",
    // proxy.ts: a POST carrying next-action from another origin (403), on any path.
    "cross_origin_request",
  ])
  .meta({ id: "ErrorCode", description: "A machine-readable error code; each maps to one HTTP status." });

export const ErrorDetails = z
  .looseObject({
    issues: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .max(10)
      .optional()
      .meta({ description: "invalid_request: the body's or parameter's problems (at most 10)." }),
    retryAfterSeconds: int().min(1).optional().meta({ description: "rate_limited: also in the Retry-After header." }),
    sku: z.string().optional(),
    skus: z.array(z.string()).optional(),
    saleId: z.string().optional().meta({ description: "queue_token_required: the sale whose line to join." }),
    available: int().min(0).optional().meta({ description: "insufficient_stock: units available now." }),
    requested: int().optional(),
    reservationId: z.string().optional(),
    orderId: z.string().optional(),
    status: z.string().optional().meta({ description: "The reservation's or sale's state that refused the request (\"\" when gone)." }),
    limit: int().optional().meta({ description: "sale_limit_reached: units per shopper." }),
    taken: int().optional().meta({ description: "sale_limit_reached: units this shopper has already." }),
    maxDecrease: int().optional().meta({ description: "stock_below_reserved: the largest decrease allowed now." }),
    maxIncrease: int().optional().meta({ description: "invalid_request (on_hand_out_of_range): the largest increase allowed." }),
    reason: z.enum(["on_hand_out_of_range"]).optional(),
  })
  .meta({ id: "ErrorDetails", description: "Facts about an error, by code; the keys listed are the known ones, others may appear." });

export const ErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: ErrorCode,
      message: z.string().meta({ description: "A sentence fit to show a shopper or merchandiser." }),
      details: ErrorDetails.optional(),
    }),
  })
  .meta({ id: "ErrorBody", description: "Every error answer: a code, a message and, for some codes, details." });
