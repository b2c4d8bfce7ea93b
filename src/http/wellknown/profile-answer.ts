import type { IncomingMessage, ServerResponse } from "node:http";
import fresh from "fresh";
import type { PublishedProfile } from "../../arbiter/index.js";

/** The route pattern of a profile, as request metrics label it. */
export const PROFILE_ROUTE = "/.well-known/calendario/:username";

const PROFILE_MAX_AGE_SECONDS = 300;
const PUBLIC_CACHE_CONTROL = `public, max-age=${PROFILE_MAX_AGE_SECONDS}`;

/**
 * Answers a GET or HEAD of a profile the caller may see: its published bytes with their
 * ETag, or `304` when an If-None-Match matches (weak or strong, or one of a list, as
 * express's `req.fresh` decides). Node's own response API, so express's route and the
 * listener's fast path send the same bytes.
 */
export function answerProfile(
  req: IncomingMessage,
  res: ServerResponse,
  record: PublishedProfile,
): void {
  res.setHeader("ETag", record.etag);
  res.setHeader(
    "Cache-Control",
    record.visibility === "public" ? PUBLIC_CACHE_CONTROL : "private, no-store",
  );
  res.setHeader("Access-Control-Allow-Origin", "*");
  // Only an If-None-Match can match (the profile has no Last-Modified): skip the check
  // for the usual request without one.
  if (req.headers["if-none-match"] !== undefined && fresh(req.headers, { etag: record.etag })) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(record.published);
}
