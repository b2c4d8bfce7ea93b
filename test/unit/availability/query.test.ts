import { describe, expect, it } from "vitest";
import {
  type AvailabilityQuery,
  parseInstant,
  validateAvailabilityQuery,
} from "../../../src/availability/index.js";
import { InvalidRequestError } from "../../../src/errors.js";
import { statusOf } from "../../../src/http/error-status.js";
import { at } from "./helpers.js";

const good: AvailabilityQuery = {
  start: "2026-06-01T00:00:00Z",
  end: "2026-06-08T00:00:00Z",
  durationMinutes: "30",
  stepMinutes: "15",
};

function pointersOf(query: AvailabilityQuery): string[] {
  try {
    validateAvailabilityQuery(query);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    const error = err as InvalidRequestError;
    expect(statusOf(error.code)).toBe(400);
    expect(error.code).toBe("invalid_request");
    const details = error.details as { pointer: string; message: string }[];
    for (const d of details) expect(d.message.length).toBeGreaterThan(0);
    return details.map((d) => d.pointer);
  }
  return [];
}

describe("validateAvailabilityQuery", () => {
  it("returns the range in epoch ms and the minutes as numbers", () => {
    expect(validateAvailabilityQuery(good)).toEqual({
      range: { start: at("2026-06-01T00:00:00Z"), end: at("2026-06-08T00:00:00Z") },
      durationMinutes: 30,
      stepMinutes: 15,
    });
  });

  it("defaults the step to 15 minutes and accepts numbers", () => {
    const { stepMinutes, durationMinutes } = validateAvailabilityQuery({
      ...good,
      stepMinutes: undefined,
      durationMinutes: 480,
    });
    expect([durationMinutes, stepMinutes]).toEqual([480, 15]);
  });

  it("accepts exactly 90 days, 5 and 480 minute durations, 5 and 240 minute steps", () => {
    expect(pointersOf({ ...good, end: "2026-08-30T00:00:00Z" })).toEqual([]);
    expect(pointersOf({ ...good, durationMinutes: "5", stepMinutes: "240" })).toEqual([]);
    expect(pointersOf({ ...good, durationMinutes: 480, stepMinutes: 5 })).toEqual([]);
  });

  const bad: [string, Partial<AvailabilityQuery>, string][] = [
    ["a missing start", { start: undefined }, "/start"],
    ["an empty start", { start: "" }, "/start"],
    ["a start without an offset", { start: "2026-06-01T00:00:00" }, "/start"],
    ["a date-only start", { start: "2026-06-01" }, "/start"],
    ["an unparseable start", { start: "tomorrow" }, "/start"],
    ["a start on a date that does not exist", { start: "2026-02-30T09:00:00Z" }, "/start"],
    ["a start given as an array", { start: ["2026-06-01T00:00:00Z"] }, "/start"],
    ["a missing end", { end: undefined }, "/end"],
    ["an unparseable end", { end: "2026-13-01T00:00:00Z" }, "/end"],
    ["an end before the start", { end: "2026-05-31T00:00:00Z" }, "/end"],
    ["an end equal to the start", { end: "2026-06-01T00:00:00Z" }, "/end"],
    ["a range over 90 days", { end: "2026-08-30T00:00:01Z" }, "/end"],
    ["a missing duration", { durationMinutes: undefined }, "/duration_minutes"],
    ["a duration under 5 minutes", { durationMinutes: "0" }, "/duration_minutes"],
    ["a duration over 480 minutes", { durationMinutes: "485" }, "/duration_minutes"],
    ["a duration not a multiple of 5", { durationMinutes: "32" }, "/duration_minutes"],
    ["a fractional duration", { durationMinutes: 7.5 }, "/duration_minutes"],
    ["a non-numeric duration", { durationMinutes: "thirty" }, "/duration_minutes"],
    ["a negative duration", { durationMinutes: "-30" }, "/duration_minutes"],
    ["a step under 5 minutes", { stepMinutes: "1" }, "/step_minutes"],
    ["a step over 240 minutes", { stepMinutes: "245" }, "/step_minutes"],
    ["a step not a multiple of 5", { stepMinutes: "7" }, "/step_minutes"],
    ["a non-numeric step", { stepMinutes: "often" }, "/step_minutes"],
  ];
  for (const [name, change, pointer] of bad) {
    it(`refuses ${name}, naming ${pointer}`, () => {
      expect(pointersOf({ ...good, ...change })).toEqual([pointer]);
    });
  }

  it("reports every problem at once", () => {
    expect(
      pointersOf({
        start: "x",
        end: "2026-06-01T00:00:00Z",
        durationMinutes: "1",
        stepMinutes: "0",
      }),
    ).toEqual(["/start", "/duration_minutes", "/step_minutes"]);
  });
});

describe("parseInstant", () => {
  const valid: [string, string][] = [
    ["2026-06-01T09:00:00Z", "2026-06-01T09:00:00.000Z"],
    ["2026-06-01T09:00Z", "2026-06-01T09:00:00.000Z"],
    ["2026-06-01t09:00:00z", "2026-06-01T09:00:00.000Z"],
    ["2026-06-01T09:00:00.250Z", "2026-06-01T09:00:00.250Z"],
    ["2026-06-01T09:00:00+02:00", "2026-06-01T07:00:00.000Z"],
    ["2026-06-01T09:00:00-0530", "2026-06-01T14:30:00.000Z"],
    ["2026-06-01T09:00:00+05:45", "2026-06-01T03:15:00.000Z"],
    // An unencoded "+" in a query string arrives as a space.
    ["2026-06-01T09:00:00 02:00", "2026-06-01T07:00:00.000Z"],
    // The range the node takes: 1970 to the end of 4999, exact in every store.
    ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"],
    ["4999-12-31T23:59:59.999Z", "4999-12-31T23:59:59.999Z"],
    ["5000-01-01T00:59:59.999+01:00", "4999-12-31T23:59:59.999Z"],
  ];
  for (const [text, expected] of valid) {
    it(`reads ${text}`, () => {
      expect(new Date(parseInstant(text)!).toISOString()).toBe(expected);
    });
  }

  const invalid: unknown[] = [
    "2026-06-01T09:00:00",
    "2026-06-01",
    "2026-06-01 09:00:00Z",
    "2026-06-31T09:00:00Z",
    "2026-06-01T25:00:00Z",
    "1717232400000",
    "1969-12-31T23:59:59.999Z",
    "5000-01-01T00:00:00Z",
    "5138-11-16T09:46:40.001Z",
    "9999-12-31T23:59:59Z",
    "",
    "x".repeat(100),
    1717232400000,
    null,
    undefined,
  ];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)?.slice(0, 30)}`, () => {
      expect(parseInstant(text)).toBeUndefined();
    });
  }
});
