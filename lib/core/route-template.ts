// A request path as a route template for logs and metrics: the path's own words kept, every
// value (an id, a SKU, a ticket) as `:param`, so no log line carries a shopper's ticket.

/** The fixed words of every route path (tests/unit/openapi.test.ts checks the list against the API table). */
export const STATIC_SEGMENTS = new Set(
  "api v1 sales queue admin users skus reconciliation events events.csv inventory inventory.csv adjust webhooks deliveries tokens reservations extend release checkout products channels health openapi.json".split(
    " ",
  ),
);

/** The route as a template: the path's own words kept, every value (an id, a SKU, a ticket) as `:param`. */
export function routeTemplate(pathname: string): string {
  return pathname
    .split("/")
    .map((seg) => (seg === "" || STATIC_SEGMENTS.has(seg) ? seg : ":param"))
    .join("/")
    .slice(0, 200);
}
