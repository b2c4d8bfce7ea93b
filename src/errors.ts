/**
 * Typed errors with a stable `code`. Domain code throws these; the HTTP layer maps them
 * once to the JSON error shape `{ error: { code, message, details? } }`.
 */
export interface ErrorDetail {
  /** JSON pointer to the offending value, e.g. `/scheduling/0/hours/1`. */
  pointer?: string;
  message: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  /** Extra top-level members of the error body (e.g. the flat AgentDraft 409 fields). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    details?: unknown,
    extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
    this.extra = extra;
  }

  get payload(): Record<string, unknown> {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error, ...this.extra };
  }

  /** Anything thrown becomes an AppError; unknown errors are a 500 whose details stay hidden. */
  static fromError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    return new InternalError();
  }
}

export class InvalidRequestError extends AppError {
  constructor(message: string, details?: ErrorDetail[] | unknown, code = "invalid_request") {
    super(400, code, message, details);
  }
}

export class AuthRequiredError extends AppError {
  constructor(message = "Authentication required", code = "unauthorized") {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Forbidden", code = "forbidden") {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found", code = "not_found") {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>, details?: unknown) {
    super(409, "conflict", message, details, extra);
  }
}

export class RuleViolationError extends AppError {
  readonly reasonCode: string;
  constructor(reasonCode: string, message: string) {
    super(422, "rule_violation", message, undefined, { reason_code: reasonCode });
    this.reasonCode = reasonCode;
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = "Request body too large") {
    super(413, "payload_too_large", message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = "Content-Type must be application/json") {
    super(415, "unsupported_media_type", message);
  }
}

export class RateLimitedError extends AppError {
  constructor(message = "Too many requests") {
    super(429, "rate_limited", message);
  }
}

export class InternalError extends AppError {
  constructor(message = "Internal server error") {
    super(500, "internal_error", message);
  }
}

/** The store (Redis) cannot be reached or does not answer in time; safe to retry. */
export class StoreUnavailableError extends AppError {
  constructor(message = "The calendar store is unavailable; retry shortly") {
    super(503, "store_unavailable", message);
  }
}

export class UpstreamError extends AppError {
  constructor(message: string, code = "upstream_error") {
    super(502, code, message);
  }
}
