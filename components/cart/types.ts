// The cart page's data as the server hands it to the client components.
import type { ReservationStatus } from "@/lib/shared/types";

export interface CartLineItem {
  sku: string;
  quantity: number;
  requested: number;
  label: string;
  productName: string;
  productSlug: string | null;
  hue: number;
  category: string;
  priceCents: number;
}

export interface CartLineData {
  id: string;
  status: ReservationStatus;
  expiresAt: number;
  extended: boolean;
  items: CartLineItem[];
}
