// Domain types: what the rest of the code sees. Redis hashes and Prisma rows are mapped to
// these at the edge of lib/ and never leak further.

export type StockEventType = "hold" | "release" | "expire" | "sale" | "adjust" | "restock" | "channel" | "set" | "rebuild";

/** One stock change, exactly as it is stored in the ledger and streamed to the admin feed. */
export interface StockEvent {
  type: StockEventType;
  sku: string;
  location: string;
  /**
   * Signed units: the change of `available` for hold/release/expire, the change of `onHand`
   * for sale/adjust/restock/channel/set/rebuild.
   */
  delta: number;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  /** Per-SKU version: increases by exactly one per event. */
  version: number;
  reason: string | null;
  source: string;
  actor: string | null;
  reservationId: string | null;
  /** Milliseconds since the epoch, Redis's clock. */
  at: number;
}

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  version: number;
  lowStockThreshold: number;
}

/** The small form the storefront and the realtime gateway pass around. */
export interface Availability {
  sku: string;
  available: number;
  version: number;
}

export type AvailabilityState = "in_stock" | "low_stock" | "sold_out";

export interface Variant {
  sku: string;
  label: string;
  size: string | null;
  color: string | null;
  priceCents: number;
  available: number;
  version: number;
}

export interface Product {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  hue: number;
  lowStockThreshold: number;
  variants: Variant[];
}

export type ReservationStatus = "pending" | "held" | "committing" | "committed" | "released" | "expired" | "failed";

export interface ReservationItem {
  sku: string;
  quantity: number;
  /** What the shopper asked for; larger than quantity only for a partial hold. */
  requested: number;
}

export interface Reservation {
  id: string;
  status: ReservationStatus;
  items: ReservationItem[];
  createdAt: number;
  expiresAt: number;
  extended: boolean;
  orderId: string | null;
}

export interface OrderSummary {
  id: string;
  number: string;
  email: string;
  name: string;
  status: string;
  totalCents: number;
  createdAt: Date;
  lines: { sku: string; productName: string; label: string; quantity: number; unitPriceCents: number }[];
}
