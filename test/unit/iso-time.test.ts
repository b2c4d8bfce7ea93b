import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { intervalsJson, isoUtc } from "../../src/iso-time.js";

describe("isoUtc", () => {
  it("formats exactly like Date#toISOString for years 1970–9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => {
        expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it("writes interval lists as the JSON of their ISO forms", () => {
    const list = [
      { start: Date.UTC(2026, 10, 23, 15), end: Date.UTC(2026, 10, 23, 15, 30) },
      { start: Date.UTC(2026, 11, 31, 23, 59, 59, 999), end: Date.UTC(2027, 0, 1) },
    ];
    expect(JSON.parse(intervalsJson(list))).toEqual(
      list.map((i) => ({
        start: new Date(i.start).toISOString(),
        end: new Date(i.end).toISOString(),
      })),
    );
    expect(intervalsJson([])).toBe("[]");
  });
});
