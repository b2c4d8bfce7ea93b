import { describe, expect, it } from "vitest";
import { ago, utcRange } from "../../../../src/http/inbox/format.js";

describe("inbox time words", () => {
  it("says how long ago in seconds, minutes and hours", () => {
    const now = Date.parse("2026-11-21T12:00:00Z");
    expect(ago(now, now)).toBe("just now");
    expect(ago(now + 5000, now)).toBe("just now");
    expect(ago(now - 12_000, now)).toBe("12 s ago");
    expect(ago(now - 3 * 60_000, now)).toBe("3 min ago");
    expect(ago(now - 2 * 3_600_000, now)).toBe("2 h ago");
  });

  it("writes a slot in UTC", () => {
    expect(utcRange(Date.parse("2026-12-02T14:00:00Z"), Date.parse("2026-12-02T14:30:00Z"))).toBe(
      "Wed 2 Dec 14:00–14:30 UTC",
    );
  });
});
