/**
 * How a user's profile record lies in its hash (`cal:{u}:user`): the signed profile, its
 * ETag and its visibility each in a field of their own, and the rest of the record as
 * JSON in `record`. A profile GET that misses the cache reads the three fields alone,
 * with nothing to parse (a whole record is ~2× the signed bytes, JSON-escaped). Records
 * written before the split, the whole record in `record`, are still read as they are.
 */
import type { PublishedProfile, UserRecord } from "../store.js";

export const PUBLISHED_FIELDS = ["published", "etag", "visibility"];
export const USER_RECORD_FIELDS = ["record", ...PUBLISHED_FIELDS];

/** The values of USER_RECORD_FIELDS that hold `record`. */
export function userRecordFields(record: UserRecord): [string, string, string, string] {
  const { published, etag, visibility, ...rest } = record;
  return [JSON.stringify(rest), published, etag, visibility];
}

/** The record held in the values of USER_RECORD_FIELDS; null: no such user. */
export function userRecordOf(values: readonly (string | null | undefined)[]): UserRecord | null {
  const [record, published, etag, visibility] = values;
  if (!record) return null;
  const rest = JSON.parse(record) as UserRecord;
  // Written before the split: the record holds them itself.
  if (published == null || etag == null || visibility == null) return rest;
  return { ...rest, published, etag, visibility: visibility as UserRecord["visibility"] };
}

export function publishedOf({ published, etag, visibility }: UserRecord): PublishedProfile {
  return { published, etag, visibility };
}
