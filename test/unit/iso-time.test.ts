import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { intervalsJson, isoLocal, isoUtc } from "../../src/iso-time.js";

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

describe("isoLocal", () => {
  it("labels an instant in the zone, with the offset in force then (DST on both sides)", () => {
    expect(isoLocal(Date.parse("2026-11-23T12:00:00Z"), "Europe/Paris")).toBe(
      "2026-11-23T13:00:00.000+01:00",
    );
    expect(isoLocal(Date.parse("2026-07-01T12:00:00Z"), "Europe/Paris")).toBe(
      "2026-07-01T14:00:00.000+02:00",
    );
    // The spring-forward instant in New York: 02:00 EST is 03:00 EDT.
    expect(isoLocal(Date.parse("2026-03-08T06:59:59.999Z"), "America/New_York")).toBe(
      "2026-03-08T01:59:59.999-05:00",
    );
    expect(isoLocal(Date.parse("2026-03-08T07:00:00Z"), "America/New_York")).toBe(
      "2026-03-08T03:00:00.000-04:00",
    );
    expect(isoLocal(Date.parse("2026-11-23T12:00:00Z"), "Asia/Kolkata")).toBe(
      "2026-11-23T17:30:00.000+05:30",
    );
    expect(isoLocal(Date.parse("2026-11-23T12:00:00Z"), "UTC")).toBe(
      "2026-11-23T12:00:00.000+00:00",
    );
  });
});
