import { describe, expect, it } from "vitest";
import { calendarKeys, recordKeys, userKey } from "../../../src/arbiter/redis/keys.js";
import {
  assertOneSlot,
  CrossSlotError,
  hashTagOf,
  keySlot,
} from "../../../src/arbiter/redis/slots.js";

describe("Redis Cluster key slots", () => {
  it("hashes as Redis does (CRC16/XMODEM modulo 16384)", () => {
    // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
    expect(keySlot("123456789")).toBe(0x31c3);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("bar")).toBe(5061);
    expect(keySlot("{user1000}.following")).toBe(keySlot("{user1000}.followers"));
  });

  it("hashes only the first non-empty tag", () => {
    expect(hashTagOf("cal:{jane}:holds")).toBe("jane");
    expect(hashTagOf("foo{}{bar}")).toBe("foo{}{bar}");
    expect(hashTagOf("foo{{bar}}zap")).toBe("{bar");
    expect(hashTagOf("foo{bar}{zap}")).toBe("bar");
    expect(hashTagOf("cal:users")).toBe("cal:users");
  });

  it("accepts one user's keys and refuses keys of two users", () => {
    expect(() =>
      assertOneSlot("commit", [...calendarKeys("jane"), ...recordKeys("jane")]),
    ).not.toThrow();
    expect(() =>
      assertOneSlot("commit", [...calendarKeys("jane"), userKey("bob", "user")]),
    ).toThrow(CrossSlotError);
  });

  it("accepts different tags that happen to share a slot", () => {
    // A tag other than "a" whose slot is the same, found by search.
    let other = "";
    for (let i = 0; other === ""; i++) if (keySlot(`k${i}`) === keySlot("a")) other = `k${i}`;
    expect(() => assertOneSlot("x", [`{a}:1`, `{${other}}:2`])).not.toThrow();
  });
});
