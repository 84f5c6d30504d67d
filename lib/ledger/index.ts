// The durable ledger: the persister (Redis stream to Postgres), the quarantine, rebuilds and reconciliation.
// The domain's public face: code outside lib/ledger/ imports from here.
export * from "./persister";
export * from "./rebuild";
export * from "./catch-up";
export * from "./quarantine";
export * from "./reconcile";
