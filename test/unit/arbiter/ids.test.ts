import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newEventPrefix } from "../../../src/arbiter/event-data.js";
import { hashAgentKey, ID_RE, newId, randomToken, tokenDigest } from "../../../src/arbiter/ids.js";

describe("ids", () => {
  it("are prefixed, 96 random bits in base64url, and never repeat across pool refills", () => {
    const ids = Array.from({ length: 5000 }, () => newId("bkg"));
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^bkg_[A-Za-z0-9_-]{16}$/);
    expect(ids.every((id) => ID_RE.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draw tokens of the asked length whatever is left in the pool", () => {
    const lengths = [1, 9, 12, 32, 4000, 12, 4096, 5000];
    for (const n of lengths) expect(Buffer.from(randomToken(n), "base64url")).toHaveLength(n);
  });

  it("give each atomic step its own event prefix", () => {
    const prefixes = Array.from({ length: 1000 }, newEventPrefix);
    expect(new Set(prefixes).size).toBe(1000);
    expect(prefixes[0]).toMatch(/^evt_[A-Za-z0-9_-]{12}_$/);
  });
});

describe("tokenDigest", () => {
  it("is the SHA-256 of the token's UTF-8 bytes, and an agent key's hash is its hex", () => {
    // Known answer: SHA-256("abc").
    expect(tokenDigest("abc").toString("hex")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const key = "cal_agent_ünïcode-key";
    expect(tokenDigest(key)).toEqual(createHash("sha256").update(key, "utf8").digest());
    expect(hashAgentKey(key)).toBe(tokenDigest(key).toString("hex"));
  });
});
