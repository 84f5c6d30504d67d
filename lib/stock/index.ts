// Stock counts: levels, holds-free changes by staff (adjust, restock, set, safety stock).
// The domain's public face: code outside lib/stock/ imports from here.
export * from "./inventory";
export * from "./admin";
export * from "./bulk";
