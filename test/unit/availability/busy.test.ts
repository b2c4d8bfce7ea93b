import { describe, expect, it } from "vitest";
import { computeBusy } from "../../../src/availability/index.js";
import { show, span } from "./helpers.js";

describe("computeBusy", () => {
  it("merges bookings, holds and external busy time and clips them to the range", () => {
    const busy = computeBusy({
      bookings: [
        span("2026-06-01T13:00Z", "2026-06-01T14:00Z"),
        span("2026-06-01T08:00Z", "2026-06-01T09:30Z"),
      ],
      holds: [span("2026-06-01T14:00Z", "2026-06-01T14:30Z")],
      externalBusy: [
        span("2026-06-01T13:30Z", "2026-06-01T13:45Z"),
        span("2026-06-01T20:00Z", "2026-06-02T02:00Z"),
      ],
      range: span("2026-06-01T09:00Z", "2026-06-01T21:00Z"),
    });
    expect(show(busy)).toEqual([
      "2026-06-01T09:00Z/2026-06-01T09:30Z",
      "2026-06-01T13:00Z/2026-06-01T14:30Z",
      "2026-06-01T20:00Z/2026-06-01T21:00Z",
    ]);
  });

  it("shows no buffers or focus blocks: they are private rules", () => {
    const input = {
      bookings: [span("2026-06-01T13:00Z", "2026-06-01T14:00Z")],
      holds: [],
      range: span("2026-06-01T00:00Z", "2026-06-02T00:00Z"),
      rules: {
        buffer_before_minutes: 30,
        buffer_after_minutes: 30,
        focus_blocks: [{ days: ["monday" as const], hours: ["09:00-12:00"] }],
      },
    };
    expect(show(computeBusy(input))).toEqual(["2026-06-01T13:00Z/2026-06-01T14:00Z"]);
  });

  it("is empty without busy time", () => {
    expect(
      computeBusy({
        bookings: [],
        holds: [],
        range: span("2026-06-01T00:00Z", "2026-06-02T00:00Z"),
      }),
    ).toEqual([]);
  });
});
