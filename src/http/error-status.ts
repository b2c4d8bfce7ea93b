/** The one place an error code becomes an HTTP status. */
import type { ErrorCode } from "../errors.js";

export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  malformed_json: 400,
  invalid_rules: 400,
  invalid_profile: 400,
  invalid_webhook_url: 400,
  unknown_event_type: 400,
  did_resolution_failed: 400,
  invalid_verification_method: 400,
  invalid_signature: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  forbidden: 403,
  not_owner: 403,
  missing_scope: 403,
  not_found: 404,
  unknown_user: 404,
  agent_not_found: 404,
  booking_not_found: 404,
  hold_not_found: 404,
  counter_not_found: 404,
  slot_not_found: 404,
  webhook_not_found: 404,
  resource_not_found: 404,
  archive_not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rule_violation: 422,
  rate_limited: 429,
  internal_error: 500,
  fetch_failed: 502,
  upstream_error: 502,
  store_unavailable: 503,
};

export function statusOf(code: ErrorCode): number {
  return STATUS_OF_CODE[code];
}
