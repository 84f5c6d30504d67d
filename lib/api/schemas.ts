// zod schemas of the public HTTP API's request bodies (DESIGN.md, "Public contract").
// Every text that can reach Postgres or a log goes through storableText, every stored number
// fits a Postgres integer (lib/shared/validation.ts: one rule for every edge, invariant 9).
import { z } from "zod";
import { SKU_PATTERN } from "../core/keys";
import { CUSTOMER_NAME_MAX, MAX_LINES, MAX_QUANTITY, QUEUE_TOKEN_MAX } from "../shared/limits";
import { storableText } from "../shared/validation";

/** @deprecated Use storableText. Kept only while lib/channels/channels.ts still imports it. */
export const withoutNul = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine((s) => !s.includes("\u0000"), "must not contain NUL characters");

export const skuCode = z.string().regex(SKU_PATTERN, "must be an upper-case SKU code (A-Z, 0-9, '.', '_', '-')");

export const reservationBody = z.strictObject({
  items: z
    .array(z.strictObject({ sku: skuCode, quantity: z.number().int().min(1).max(MAX_QUANTITY) }))
    .min(1, "at least one item")
    .max(MAX_LINES),
  queueToken: storableText({ max: QUEUE_TOKEN_MAX, trim: false }).optional(),
});

export const checkoutBody = z.strictObject({
  email: storableText({ max: 254 }).pipe(z.email("must be an email address")).optional(),
  name: storableText({ min: 1, max: CUSTOMER_NAME_MAX }).optional(),
});

const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lower-case words joined by '-'")
  .max(100);

export const skuUpsertBody = z.strictObject({
  product: z.strictObject({
    slug,
    name: storableText({ min: 1, max: 200 }),
    description: storableText({ max: 5000, multiline: true }).optional(),
    category: storableText({ min: 1, max: 100 }).optional(),
    hue: z.number().int().min(0).max(360).optional(),
    lowStockThreshold: z.number().int().min(0).max(10_000).optional(),
  }),
  label: storableText({ min: 1, max: 100 }).optional(),
  size: storableText({ max: 50 }).nullable().optional(),
  color: storableText({ max: 50 }).nullable().optional(),
  priceCents: z.number().int().min(0).max(100_000_000),
  onHand: z.number().int().min(0).max(10_000_000),
  safety: z.number().int().min(0).max(10_000_000).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  reason: storableText({ max: 200 }).optional(),
});

export const ADJUSTMENT_REASONS = ["received", "damaged", "recount", "return", "correction", "channel"] as const;

export const adjustBody = z.strictObject({
  delta: z
    .number()
    .int()
    .refine((d) => d !== 0, "must not be zero")
    .refine((d) => Math.abs(d) <= 1_000_000, "at most 1,000,000 units"),
  reason: z.enum(ADJUSTMENT_REASONS),
  note: storableText({ max: 500 }).optional(),
});

export const saleId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lower-case words joined by '-'")
  .max(64);

const saleSettings = {
  name: storableText({ min: 1, max: 200 }),
  description: storableText({ max: 5000, multiline: true }).optional(),
  startsAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  admissionRate: z.number().positive().max(10_000),
  perShopperLimit: z.number().int().min(1).max(MAX_QUANTITY).optional(),
  admissionWindowSeconds: z.number().int().min(10).max(3600).optional(),
  graceSeconds: z.number().int().min(10).max(3600).optional(),
  overAdmitPercent: z.number().int().min(0).max(100).optional(),
};

export const saleCreateBody = z.strictObject({
  id: saleId,
  ...saleSettings,
  skus: z.array(skuCode).min(1).max(200),
});

export const saleUpdateBody = z
  .strictObject({
    name: saleSettings.name.optional(),
    description: saleSettings.description,
    startsAt: saleSettings.startsAt.optional(),
    admissionRate: saleSettings.admissionRate.optional(),
    perShopperLimit: saleSettings.perShopperLimit,
    admissionWindowSeconds: saleSettings.admissionWindowSeconds,
    graceSeconds: saleSettings.graceSeconds,
    overAdmitPercent: saleSettings.overAdmitPercent,
  })
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

export const saleAction = z.enum(["start", "pause", "resume", "close"]);

export const ticketId = z.string().regex(/^t_[A-Za-z0-9_-]{24}$/, "not a ticket id");

/** A reservation's id as issued (`r_` and 32 hex digits); anything else is no hold of yours. */
export const reservationId = z.string().max(100);

/** A product's slug in a URL. */
export const productSlug = z.string().max(100);

export const reconciliationBody = z.strictObject({ repair: z.boolean().optional() });

/** `?flag=1` includes more; `0` or leaving it out does not. */
const includeFlag = z.enum(["0", "1"]).optional();
export const salesListQuery = z.object({ closed: includeFlag });
export const tokensListQuery = z.object({ revoked: includeFlag });
export const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
