// Domain errors: a machine-readable code, a sentence fit for a shopper, and the HTTP status
// the public API answers with. Anything else that escapes is a bug and is logged, not shown.

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_signature: 401,
  forbidden: 403,
  queue_token_required: 403,
  queue_token_invalid: 403,
  not_found: 404,
  unknown_sku: 404,
  insufficient_stock: 409,
  request_in_progress: 409,
  checkout_in_progress: 409,
  sale_conflict: 409,
  sale_limit_reached: 409,
  reservation_not_held: 409,
  stock_below_reserved: 409,
  already_extended: 409,
  email_taken: 409,
  last_admin: 409,
  reservation_expired: 410,
  sale_closed: 410,
  sale_sold_out: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
