// Reservations (a shopper's holds on one or more SKUs): place, extend, release, expire.
// The domain's public face: code outside lib/reservations/ imports from here.
export * from "./record";
export * from "./place";
export * from "./end";
export * from "./again";
