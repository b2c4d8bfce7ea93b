/**
 * The receiver's side: checks an `X-AgentDraft-Signature` header against the raw body
 * and the subscription's secret. Depends on node:crypto only, so a receiver may copy it.
 *
 *   const event = constructWebhookEvent(rawBody, req.headers["x-agentdraft-signature"], secret);
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookSignatureErrorCode =
  | "missing_header"
  | "missing_timestamp"
  | "no_signatures"
  | "timestamp_out_of_tolerance"
  | "signature_mismatch";

export class WebhookSignatureError extends Error {
  constructor(
    readonly code: WebhookSignatureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "WebhookSignatureError";
  }
}

export interface VerifyOptions {
  /** How far `t` may be from now, in the past or the future (default 300 s); finite, ≥ 0. */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default: the system clock). */
  now?: number;
}

/** `t` and the non-empty `v1` values of a header; other schemes are ignored. */
export function parseSignatureHeader(header: string): { timestamp?: number; v1: string[] } {
  let timestamp: number | undefined;
  let timestamps = 0;
  const v1: string[] = [];
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") {
      timestamps += 1;
      timestamp = /^\d{1,12}$/.test(value) ? Number(value) : undefined;
    } else if (key === "v1" && value !== "") v1.push(value);
  }
  return { timestamp: timestamps === 1 ? timestamp : undefined, v1 };
}

/**
 * Throws WebhookSignatureError unless one `v1` of the header is the HMAC of
 * `<t>.<raw body>` under one of `secrets` and `t` is within the tolerance of now.
 * Returns `t`.
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  header: string | undefined,
  secrets: string | string[],
  opts: VerifyOptions = {},
): number {
  if (!header) throw new WebhookSignatureError("missing_header", "No signature header");
  const { timestamp, v1 } = parseSignatureHeader(header);
  if (timestamp === undefined)
    throw new WebhookSignatureError("missing_timestamp", "The header has no valid t=");
  if (v1.length === 0) throw new WebhookSignatureError("no_signatures", "The header has no v1=");
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // NaN compares false with everything: a NaN tolerance or clock would pass any timestamp.
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new RangeError(`toleranceSeconds must be a finite number ≥ 0, not ${tolerance}`);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number, not ${now}`);
  if (Math.abs(now - timestamp) > tolerance)
    throw new WebhookSignatureError(
      "timestamp_out_of_tolerance",
      `t=${timestamp} is more than ${tolerance} s from now`,
    );
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : Buffer.from(rawBody);
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), body]);
  const given = v1.map((hex) => Buffer.from(hex, "utf8"));
  let matched = false;
  for (const secret of Array.isArray(secrets) ? secrets : [secrets]) {
    const expected = Buffer.from(createHmac("sha256", secret).update(signed).digest("hex"), "utf8");
    // Every candidate is compared, in constant time for its length, whatever matched before.
    for (const candidate of given)
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected))
        matched = true;
  }
  if (!matched)
    throw new WebhookSignatureError("signature_mismatch", "No v1 signature matches the body");
  return timestamp;
}

/** Verifies, then parses the envelope. */
export function constructWebhookEvent<T = { type: string; created: number; data: unknown }>(
  rawBody: string | Uint8Array,
  header: string | undefined,
  secrets: string | string[],
  opts: VerifyOptions = {},
): T {
  verifyWebhookSignature(rawBody, header, secrets, opts);
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  return JSON.parse(text) as T;
}
