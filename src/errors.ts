/**
 * Typed errors with a stable `code`. Domain code throws these and knows no HTTP status:
 * `src/http/error-status.ts` maps each code to its status once, and the error middleware
 * writes the JSON error shape `{ error: { code, message, details? } }`.
 */

/** The request itself is wrong (HTTP doors: 400). */
export type InvalidRequestCode =
  | "invalid_request"
  | "malformed_json"
  | "invalid_rules"
  | "invalid_profile"
  | "invalid_webhook_url"
  | "invalid_callback_url"
  | "unknown_event_type";

/** Missing or bad credentials, request tokens of other nodes among them (401). */
export type AuthCode =
  | "unauthorized"
  | "invalid_api_key"
  | "invalid_token"
  | "token_expired"
  | "invalid_audience"
  | "token_replayed";

/** Known, but not allowed (403). */
export type ForbiddenCode = "forbidden" | "not_owner" | "missing_scope" | "requester_unverified";

/** Nothing of that name (404). */
export type NotFoundCode =
  | "not_found"
  | "unknown_user"
  | "agent_not_found"
  | "booking_not_found"
  | "hold_not_found"
  | "counter_not_found"
  | "slot_not_found"
  | "webhook_not_found"
  | "resource_not_found"
  | "archive_not_found"
  | "mention_not_found"
  | "suggestion_not_found";

/** Another system did not answer as it must (502). */
export type UpstreamCode =
  | "fetch_failed"
  | "upstream_error"
  | "peer_unreachable"
  | "peer_unverified";

/** Every stable error code the node answers with, in one union. */
export type ErrorCode =
  | InvalidRequestCode
  | "did_resolution_failed"
  | "invalid_verification_method"
  | "invalid_signature"
  | AuthCode
  | ForbiddenCode
  | NotFoundCode
  | "conflict"
  | "managed_by_file"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rule_violation"
  | "rate_limited"
  | "internal_error"
  | UpstreamCode
  | "store_unavailable";

export interface ErrorDetail {
  /** JSON pointer to the offending value, e.g. `/scheduling/0/hours/1`. */
  pointer?: string;
  message: string;
  [key: string]: unknown;
}

export interface AppErrorOptions {
  details?: unknown;
  /** Extra top-level members of the error body (e.g. a rule violation's `reason_code`). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = opts.details;
    this.extra = opts.extra;
  }

  get payload(): Record<string, unknown> {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error, ...this.extra };
  }

  /** Anything thrown becomes an AppError; an unknown error is internal, its details hidden. */
  static fromError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    return new InternalError(undefined, { cause: err });
  }
}

export class InvalidRequestError extends AppError {
  constructor(
    message: string,
    details?: ErrorDetail[] | unknown,
    code: InvalidRequestCode = "invalid_request",
    cause?: unknown,
  ) {
    super(code, message, { details, cause });
  }
}

export class AuthRequiredError extends AppError {
  constructor(
    message = "Authentication required",
    code: AuthCode = "unauthorized",
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Forbidden", code: ForbiddenCode = "forbidden") {
    super(code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found", code: NotFoundCode = "not_found") {
    super(code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>, details?: unknown) {
    super("conflict", message, { details, extra });
  }
}

/**
 * The user's profile comes from a file in PROFILES_DIR: it is changed by editing that
 * file, and the admin API does not replace or delete it.
 */
export class ManagedByFileError extends AppError {
  constructor(username: string) {
    super(
      "managed_by_file",
      `User "${username}" is managed by the file ${username}.json in PROFILES_DIR: edit or remove that file and restart the node`,
    );
  }
}

export class RuleViolationError extends AppError {
  readonly reasonCode: string;
  constructor(reasonCode: string, message: string) {
    super("rule_violation", message, { extra: { reason_code: reasonCode } });
    this.reasonCode = reasonCode;
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = "Request body too large") {
    super("payload_too_large", message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = "Content-Type must be application/json") {
    super("unsupported_media_type", message);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    message = "Too many requests",
    /** When the caller may try again (the `Retry-After` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super("rate_limited", message);
  }
}

export class InternalError extends AppError {
  constructor(message = "Internal server error", opts: { cause?: unknown } = {}) {
    super("internal_error", message, opts);
  }
}

/** The store (Redis) cannot be reached, lost state, or did not answer in time; safe to retry. */
export class StoreUnavailableError extends AppError {
  constructor(message = "The calendar store is unavailable; retry shortly", cause?: unknown) {
    super("store_unavailable", message, { cause });
  }
}

export class UpstreamError extends AppError {
  constructor(message: string, code: UpstreamCode = "upstream_error", cause?: unknown) {
    super(code, message, { cause });
  }
}
