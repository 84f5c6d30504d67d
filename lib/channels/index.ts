// Sales channels: signed stock events from other systems (docs/channels.md).
// The domain's public face: code outside lib/channels/ imports from here.
export * from "./channels";
