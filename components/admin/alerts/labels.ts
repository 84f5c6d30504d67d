import type { AlertKind } from "@/lib/backoffice";

export const ALERT_KIND_LABEL: Record<AlertKind, string> = {
  low_stock: "Low stock",
  sold_out: "Sold out",
  event_held: "Change held for review",
};
