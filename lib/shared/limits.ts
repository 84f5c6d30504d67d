// The limits shared by the storefront (client components), Server Actions, the HTTP API and the
// engine: one constant each, so the form, the action and the route can never drift apart
// (issue 13). Client-safe: no node:* and no server-only imports (tests/unit/boundaries.test.ts).

/** A reservation id as the engine mints it: `r_` and 8–64 URL-safe characters. */
export const RESERVATION_ID_PATTERN = /^r_[A-Za-z0-9_-]{8,64}$/;

/** Most units one add-to-cart puts on hold (the product page's stepper stops here too). */
export const MAX_PER_ADD = 10;

/** Most lines in one reservation or checkout. */
export const MAX_LINES = 50;

/** Most units of one line in one reservation (the API; a flash sale's per-shopper cap too). */
export const MAX_QUANTITY = 100;

/** Longest flash-sale admission token accepted (a signed token is ~300 characters). */
export const QUEUE_TOKEN_MAX = 2048;

/** Longest customer name at checkout, in the form and in the API. */
export const CUSTOMER_NAME_MAX = 200;
