import { describe, expect, it } from "vitest";
import { mergeIntervals, subtractIntervals } from "../../../src/availability/index.js";

const iv = (start: number, end: number) => ({ start, end });

describe("mergeIntervals", () => {
  it("sorts, joins overlapping and touching intervals, and drops empty ones", () => {
    expect(mergeIntervals([iv(5, 7), iv(1, 3), iv(3, 4), iv(6, 9), iv(8, 8), iv(11, 12)])).toEqual([
      iv(1, 4),
      iv(5, 9),
      iv(11, 12),
    ]);
  });

  it("does not change its input", () => {
    const input = [iv(3, 4), iv(1, 3)];
    mergeIntervals(input);
    expect(input).toEqual([iv(3, 4), iv(1, 3)]);
  });
});

describe("subtractIntervals", () => {
  it("cuts holes, trims edges and removes covered intervals", () => {
    expect(
      subtractIntervals(
        [iv(0, 10), iv(20, 30), iv(40, 50)],
        [iv(2, 3), iv(8, 22), iv(25, 26), iv(40, 50)],
      ),
    ).toEqual([iv(0, 2), iv(3, 8), iv(22, 25), iv(26, 30)]);
  });

  it("lets one removal span several intervals", () => {
    expect(subtractIntervals([iv(0, 5), iv(6, 8), iv(9, 12)], [iv(4, 10)])).toEqual([
      iv(0, 4),
      iv(10, 12),
    ]);
  });

  it("keeps everything when nothing is removed", () => {
    expect(subtractIntervals([iv(0, 5)], [])).toEqual([iv(0, 5)]);
  });
});
