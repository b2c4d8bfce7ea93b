import { AppError } from "../errors.js";

export type VerificationRelationship = "assertionMethod" | "authentication";

export type DidResolutionReason =
  | "invalid_did"
  | "unsupported_method"
  | "not_found"
  | "fetch_failed"
  | "invalid_document"
  | "id_mismatch";

/** A DID that could not be turned into a DID document; `reason` is a stable code. */
export class DidResolutionError extends AppError {
  constructor(
    readonly reason: DidResolutionReason,
    message: string,
  ) {
    super("did_resolution_failed", message, { details: { reason } });
  }
}

export type VerificationMethodReason =
  | "verification_method_not_found"
  | `key_not_in_${VerificationRelationship}`
  | "unsupported_key_type";

/** A DID document that does not give a usable key for the method and relationship asked. */
export class VerificationMethodError extends AppError {
  constructor(
    readonly reason: VerificationMethodReason,
    message: string,
  ) {
    super("invalid_verification_method", message, { details: { reason } });
  }
}

export type JwsReason =
  | "malformed_jws"
  | "unsupported_alg"
  | "key_alg_mismatch"
  | "signature_mismatch";

export class JwsError extends AppError {
  constructor(
    readonly reason: JwsReason,
    message: string,
  ) {
    super("invalid_signature", message, { details: { reason } });
  }
}
