import { describe, expect, it } from "vitest";
import { rotatingShare } from "../../../src/webhooks/rotating-share.js";

describe("rotatingShare", () => {
  it("gives the whole list when it fits", () => {
    expect(rotatingShare(["a", "b"], 5, 3)).toEqual({ share: ["a", "b"], next: 0 });
  });

  it("visits every item in turn, wrapping around, with at most `size` per call", () => {
    const items = ["a", "b", "c", "d", "e"];
    const seen: string[][] = [];
    let cursor = 0;
    for (let i = 0; i < 5; i++) {
      const { share, next } = rotatingShare(items, cursor, 2);
      seen.push(share);
      cursor = next;
    }
    expect(seen).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e", "a"],
      ["b", "c"],
      ["d", "e"],
    ]);
  });

  it("survives a list that shrank below the cursor", () => {
    expect(rotatingShare(["a", "b", "c"], 7, 2)).toEqual({ share: ["b", "c"], next: 0 });
  });
});
