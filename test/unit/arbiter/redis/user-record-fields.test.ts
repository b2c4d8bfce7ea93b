import { describe, expect, it } from "vitest";
import type { UserRecord } from "../../../../src/arbiter/index.js";
import {
  publishedOf,
  USER_RECORD_FIELDS,
  userRecordFields,
  userRecordOf,
} from "../../../../src/arbiter/redis/user-record-fields.js";

const jane: UserRecord = {
  username: "jane",
  input: { display_name: 'Jane "J" Doe' },
  published: '{"display_name":"Jane \\"J\\" Doe","proof":{}}',
  etag: '"abc"',
  visibility: "private",
  source: "file",
  updatedAt: 1,
  fileDigest: "d",
};

describe("a user's record in its hash fields", () => {
  it("writes the signed bytes, ETag and visibility beside the rest, and reads them back", () => {
    const values = userRecordFields(jane);
    expect(values).toHaveLength(USER_RECORD_FIELDS.length);
    expect(values.slice(1)).toEqual([jane.published, jane.etag, jane.visibility]);
    expect(JSON.parse(values[0])).not.toHaveProperty("published");
    expect(userRecordOf(values)).toEqual(jane);
    expect(publishedOf(jane)).toEqual({
      published: jane.published,
      etag: jane.etag,
      visibility: "private",
    });
  });

  it("reads a record kept whole in one field, and no record as no user", () => {
    expect(userRecordOf([JSON.stringify(jane), null, null, null])).toEqual(jane);
    expect(userRecordOf([null, null, null, null])).toBeNull();
  });

  it("keeps an empty field as it is, not as a record from before the split", () => {
    const empty = { ...jane, published: "" };
    expect(userRecordOf(userRecordFields(empty))).toEqual(empty);
  });
});
