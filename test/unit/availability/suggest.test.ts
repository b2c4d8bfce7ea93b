import { describe, expect, it } from "vitest";
import { type AvailabilityProfile, suggestTimes } from "../../../src/availability/index.js";
import { at, span, starts } from "./helpers.js";

const profile: AvailabilityProfile = {
  timezone: "America/New_York",
  scheduling: [
    {
      type: "weekly",
      days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      hours: ["09:00-12:00"],
    },
  ],
};
const base = {
  profile,
  bookings: [span("2026-06-01T14:00Z", "2026-06-01T14:30Z")], // Monday 10:00-10:30 EDT
  holds: [],
  now: at("2026-05-01T00:00Z"),
  durationMinutes: 30,
  stepMinutes: 15,
};

describe("suggestTimes", () => {
  it("offers the nearest free slots on both sides, nearest first, ties earlier first", () => {
    const suggestions = suggestTimes({ ...base, around: at("2026-06-01T14:00Z") });
    expect(starts(suggestions)).toEqual([
      "2026-06-01T13:30Z",
      "2026-06-01T14:30Z",
      "2026-06-01T13:15Z",
    ]);
  });

  it("returns as many as asked for", () => {
    const suggestions = suggestTimes({ ...base, around: at("2026-06-01T14:00Z"), count: 5 });
    expect(starts(suggestions)).toEqual([
      "2026-06-01T13:30Z",
      "2026-06-01T14:30Z",
      "2026-06-01T13:15Z",
      "2026-06-01T14:45Z",
      "2026-06-01T13:00Z",
    ]);
  });

  it("looks past a weekend to the next working day", () => {
    // Friday 2026-06-05 at 17:00 EDT: the nearest is Friday 11:30, then Monday 09:00.
    const suggestions = suggestTimes({ ...base, around: at("2026-06-05T21:00Z"), count: 2 });
    expect(starts(suggestions)).toEqual(["2026-06-05T15:30Z", "2026-06-05T15:15Z"]);
    const after = suggestTimes({
      ...base,
      around: at("2026-06-05T21:00Z"),
      count: 1,
      range: span("2026-06-05T21:00Z", "2026-06-20T00:00Z"),
    });
    expect(starts(after)).toEqual(["2026-06-08T13:00Z"]);
  });

  it("searches only searchDays either side", () => {
    const far = {
      ...base,
      profile: { ...profile, blackouts: [{ start: "2026-06-01", end: "2026-06-30" }] },
    };
    expect(suggestTimes({ ...far, around: at("2026-06-15T14:00Z"), searchDays: 7 })).toEqual([]);
    expect(
      starts(suggestTimes({ ...far, around: at("2026-06-15T14:00Z"), searchDays: 16, count: 1 })),
    ).toEqual(["2026-07-01T13:00Z"]);
  });

  it("includes the requested time itself when it is free", () => {
    expect(starts(suggestTimes({ ...base, around: at("2026-06-02T14:00Z"), count: 1 }))).toEqual([
      "2026-06-02T14:00Z",
    ]);
  });
});
