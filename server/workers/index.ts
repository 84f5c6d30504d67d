// The sidecar's background workers, one file each, all on one loop helper (./loop.ts).
export * from "./loop";
export * from "./holds-and-ledger";
export * from "./admitter";
export * from "./alerts";
export * from "./reconciler";
export * from "./webhooks";
