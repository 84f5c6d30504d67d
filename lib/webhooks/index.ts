// Outbound webhooks: subscriptions and signed deliveries.
// The domain's public face: code outside lib/webhooks/ imports from here.
export * from "./subscriptions";
export * from "./delivery";
