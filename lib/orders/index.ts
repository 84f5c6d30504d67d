// Checkout and orders.
// The domain's public face: code outside lib/orders/ imports from here.
export * from "./orders";
