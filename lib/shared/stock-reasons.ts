// Why staff change a count by hand (the ledger's `reason`); `channel` is for sales channels only.
export const STAFF_ADJUSTMENT_REASONS = ["received", "damaged", "recount", "return", "correction"] as const;

export type StaffAdjustmentReason = (typeof STAFF_ADJUSTMENT_REASONS)[number];

export const REASON_LABELS: Record<StaffAdjustmentReason, string> = {
  received: "Received (delivery)",
  damaged: "Damaged / lost",
  recount: "Recount",
  return: "Customer return",
  correction: "Correction",
};
