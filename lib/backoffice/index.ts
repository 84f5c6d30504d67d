// The back office's reads and alerts, and the audit trail.
// The domain's public face: code outside lib/backoffice/ imports from here.
export * from "./backoffice";
export * from "./alerts";
export * from "./audit";
