// The catalog: products and variants (SKUs), their snapshot for the storefront.
// The domain's public face: code outside lib/catalog/ imports from here.
export * from "./catalog";
