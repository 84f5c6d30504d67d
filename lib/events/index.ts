// The stock event on the wire: one codec for every reader.
// The domain's public face: code outside lib/events/ imports from here.
export * from "./codec";
export * from "./feed";
