import { describe, expect, it } from "vitest";
import {
  type AvailabilityProfile,
  expandSchedule,
  type SchedulingBlock,
} from "../../../src/availability/index.js";
import { show, span } from "./helpers.js";

const onDates = (dates: string[], hours: string[]): SchedulingBlock => ({
  type: "date",
  dates,
  hours,
});

/** [zone, blocks, range, expected intervals as start/end in UTC] — each derived by hand. */
const cases: [string, string, SchedulingBlock[], [string, string], string[]][] = [
  [
    "a block inside the US spring-forward gap is empty",
    "America/New_York",
    [onDates(["2026-03-08"], ["02:00-03:00"])],
    ["2026-03-08T00:00Z", "2026-03-09T00:00Z"],
    [],
  ],
  [
    "a block around the US spring-forward gap loses only the missing hour",
    "America/New_York",
    [onDates(["2026-03-08"], ["01:30-03:30"])],
    ["2026-03-08T00:00Z", "2026-03-09T00:00Z"],
    ["2026-03-08T06:30Z/2026-03-08T07:30Z"],
  ],
  [
    "01:00-02:00 on the US fall-back day covers both copies of the hour",
    "America/New_York",
    [onDates(["2026-11-01"], ["01:00-02:00"])],
    ["2026-11-01T00:00Z", "2026-11-02T00:00Z"],
    ["2026-11-01T05:00Z/2026-11-01T07:00Z"],
  ],
  [
    "a block ending at an ambiguous time ends at its earlier instant",
    "America/New_York",
    [onDates(["2026-11-01"], ["00:00-01:30"])],
    ["2026-11-01T00:00Z", "2026-11-02T00:00Z"],
    ["2026-11-01T04:00Z/2026-11-01T05:30Z"],
  ],
  [
    "a block starting at an ambiguous time starts at its earlier instant",
    "America/New_York",
    [onDates(["2026-11-01"], ["01:30-03:00"])],
    ["2026-11-01T00:00Z", "2026-11-02T00:00Z"],
    ["2026-11-01T05:30Z/2026-11-01T08:00Z"],
  ],
  [
    "adjacent hours across the repeated hour join without a hole",
    "America/New_York",
    [onDates(["2026-11-01"], ["00:00-01:30", "01:30-03:00"])],
    ["2026-11-01T00:00Z", "2026-11-02T00:00Z"],
    ["2026-11-01T04:00Z/2026-11-01T08:00Z"],
  ],
  [
    "a Lord Howe fall-back day lasts 24.5 hours",
    "Australia/Lord_Howe",
    [onDates(["2026-04-05"], ["00:00-24:00"])],
    ["2026-04-04T00:00Z", "2026-04-06T00:00Z"],
    ["2026-04-04T13:00Z/2026-04-05T13:30Z"],
  ],
  [
    "a Lord Howe spring-forward day lasts 23.5 hours",
    "Australia/Lord_Howe",
    [onDates(["2026-10-04"], ["00:00-24:00"])],
    ["2026-10-03T00:00Z", "2026-10-05T00:00Z"],
    ["2026-10-03T13:30Z/2026-10-04T13:00Z"],
  ],
  [
    "a day whose midnight does not exist starts after the gap (Havana)",
    "America/Havana",
    [onDates(["2026-03-08"], ["00:00-02:00"])],
    ["2026-03-07T00:00Z", "2026-03-09T00:00Z"],
    ["2026-03-08T05:00Z/2026-03-08T06:00Z"],
  ],
  [
    "22:00-24:00 before an ambiguous midnight ends at its earlier instant (Havana)",
    "America/Havana",
    [onDates(["2026-10-31"], ["22:00-24:00"]), onDates(["2026-11-01"], ["00:00-01:00"])],
    ["2026-10-31T00:00Z", "2026-11-02T00:00Z"],
    ["2026-11-01T02:00Z/2026-11-01T06:00Z"],
  ],
  [
    "23:00-24:00 on a Cairo fall-back Thursday covers both copies of 23:00",
    "Africa/Cairo",
    [onDates(["2026-10-29"], ["23:00-24:00"])],
    ["2026-10-29T00:00Z", "2026-10-31T00:00Z"],
    ["2026-10-29T20:00Z/2026-10-29T22:00Z"],
  ],
  [
    "a Santiago day without midnight starts at 01:00",
    "America/Santiago",
    [onDates(["2026-09-06"], ["00:00-02:00"])],
    ["2026-09-05T00:00Z", "2026-09-07T00:00Z"],
    ["2026-09-06T04:00Z/2026-09-06T05:00Z"],
  ],
  [
    "a date the zone skipped has no time at all (Apia, 2011-12-30)",
    "Pacific/Apia",
    [
      onDates(["2011-12-29", "2011-12-30", "2011-12-31"], ["12:00-24:00"]),
      onDates(["2011-12-30"], ["00:00-12:00"]),
    ],
    ["2011-12-29T00:00Z", "2012-01-01T00:00Z"],
    ["2011-12-29T22:00Z/2011-12-30T10:00Z", "2011-12-30T22:00Z/2011-12-31T10:00Z"],
  ],
  [
    "Kathmandu hours are 5:45 ahead of UTC",
    "Asia/Kathmandu",
    [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
    ["2026-03-09T00:00Z", "2026-03-10T00:00Z"],
    ["2026-03-09T03:15Z/2026-03-09T11:15Z"],
  ],
  [
    "22:00-24:00 joins the next day's early hours",
    "America/New_York",
    [
      { type: "weekly", days: ["friday"], hours: ["22:00-24:00"] },
      { type: "weekly", days: ["saturday"], hours: ["00:00-01:00"] },
    ],
    ["2026-03-13T00:00Z", "2026-03-16T00:00Z"],
    ["2026-03-14T02:00Z/2026-03-14T05:00Z"],
  ],
  [
    "expires is inclusive",
    "UTC",
    [
      {
        type: "weekly",
        days: ["monday", "tuesday"],
        hours: ["09:00-10:00"],
        expires: "2026-06-02",
      },
    ],
    ["2026-06-01T00:00Z", "2026-06-10T00:00Z"],
    ["2026-06-01T09:00Z/2026-06-01T10:00Z", "2026-06-02T09:00Z/2026-06-02T10:00Z"],
  ],
  [
    "a range block runs from start to end inclusive, on its days only",
    "UTC",
    [
      {
        type: "range",
        start: "2026-06-02",
        end: "2026-06-09",
        days: ["tuesday"],
        hours: ["09:00-10:00"],
      },
    ],
    ["2026-06-01T00:00Z", "2026-06-20T00:00Z"],
    ["2026-06-02T09:00Z/2026-06-02T10:00Z", "2026-06-09T09:00Z/2026-06-09T10:00Z"],
  ],
  [
    "overlapping blocks are unioned",
    "UTC",
    [
      { type: "weekly", days: ["monday"], hours: ["09:00-12:00"] },
      onDates(["2026-06-01"], ["11:00-14:00", "16:00-17:00"]),
    ],
    ["2026-06-01T00:00Z", "2026-06-02T00:00Z"],
    ["2026-06-01T09:00Z/2026-06-01T14:00Z", "2026-06-01T16:00Z/2026-06-01T17:00Z"],
  ],
  [
    "the result is clipped to the range",
    "America/New_York",
    [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
    ["2026-06-01T14:00Z", "2026-06-01T15:30Z"],
    ["2026-06-01T14:00Z/2026-06-01T15:30Z"],
  ],
];

describe("expandSchedule", () => {
  for (const [name, timezone, scheduling, [from, to], expected] of cases) {
    it(name, () => {
      expect(show(expandSchedule({ timezone, scheduling }, span(from, to)))).toEqual(expected);
    });
  }

  it("removes whole local days for a blackout date and an inclusive span", () => {
    const profile: AvailabilityProfile = {
      timezone: "America/New_York",
      blackouts: ["2026-06-02", { start: "2026-06-04", end: "2026-06-05" }],
      scheduling: [
        {
          type: "weekly",
          days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
          hours: ["00:00-24:00"],
        },
      ],
    };
    expect(show(expandSchedule(profile, span("2026-06-01T00:00Z", "2026-06-08T00:00Z")))).toEqual([
      "2026-06-01T04:00Z/2026-06-02T04:00Z",
      "2026-06-03T04:00Z/2026-06-04T04:00Z",
    ]);
  });

  it("returns nothing for an empty range", () => {
    const profile = { timezone: "UTC", scheduling: [onDates(["2026-06-01"], ["09:00-10:00"])] };
    expect(expandSchedule(profile, span("2026-06-02T00:00Z", "2026-06-01T00:00Z"))).toEqual([]);
  });
});
