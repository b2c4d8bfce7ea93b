import { describe, expect, it } from "vitest";
import { countBookingsPerLocalDay, localDayKey } from "../../../src/availability/index.js";
import { at, span } from "./helpers.js";

describe("localDayKey", () => {
  const cases: [string, string, string][] = [
    ["America/New_York", "2026-11-01T03:59:59.999Z", "2026-10-31"],
    ["America/New_York", "2026-11-01T05:30:00Z", "2026-11-01"], // 01:30 EDT
    ["America/New_York", "2026-11-01T06:30:00Z", "2026-11-01"], // 01:30 EST, the repeat
    ["America/Havana", "2026-03-08T04:59:59.999Z", "2026-03-07"],
    ["America/Havana", "2026-03-08T05:00:00Z", "2026-03-08"], // 01:00 CDT; 00:00 never happens
    ["America/Havana", "2026-11-01T03:59:59.999Z", "2026-10-31"],
    ["America/Havana", "2026-11-01T05:30:00Z", "2026-11-01"], // 00:30 CST, the repeat
    ["Asia/Kathmandu", "2026-03-08T18:14:59.999Z", "2026-03-08"],
    ["Asia/Kathmandu", "2026-03-08T18:15:00Z", "2026-03-09"],
    ["Australia/Lord_Howe", "2026-04-05T13:29:59.999Z", "2026-04-05"],
    ["Australia/Lord_Howe", "2026-04-05T13:30:00Z", "2026-04-06"],
    ["Pacific/Apia", "2011-12-30T09:59:59.999Z", "2011-12-29"],
    ["Pacific/Apia", "2011-12-30T10:00:00Z", "2011-12-31"],
  ];
  for (const [zone, instant, expected] of cases) {
    it(`puts ${instant} on ${expected} in ${zone}`, () => {
      expect(localDayKey(at(instant), zone)).toBe(expected);
    });
  }

  it("refuses an unknown zone, naming /timezone", () => {
    expect(() => localDayKey(0, "Not/AZone")).toThrowError(
      expect.objectContaining({ code: "invalid_request" }),
    );
  });
});

describe("countBookingsPerLocalDay", () => {
  it("counts each booking on the local day of its start", () => {
    const bookings = [
      span("2026-06-04T03:00Z", "2026-06-04T04:30Z"), // Wednesday 23:00 EDT
      span("2026-06-03T13:00Z", "2026-06-03T13:30Z"),
      span("2026-06-04T13:00Z", "2026-06-04T13:30Z"),
    ];
    expect(Object.fromEntries(countBookingsPerLocalDay(bookings, "America/New_York"))).toEqual({
      "2026-06-03": 2,
      "2026-06-04": 1,
    });
  });

  it("counts nothing for no bookings", () => {
    expect(countBookingsPerLocalDay([], "UTC").size).toBe(0);
  });
});
