// Availability rules shared by the server and the browser (the badge): client-safe, no Node.
import type { AvailabilityState } from "./types";

/** What the badge says for a number of units left. */
export function availabilityState(available: number, lowStockThreshold: number): AvailabilityState {
  if (available <= 0) return "sold_out";
  if (available <= lowStockThreshold) return "low_stock";
  return "in_stock";
}
