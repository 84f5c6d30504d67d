// Flash sales: definitions, the virtual queue, admission tokens.
// The domain's public face: code outside lib/sales/ imports from here.
export * from "./model";
export * from "./definitions";
export * from "./queue";
export * from "./queue-token";
