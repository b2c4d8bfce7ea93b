import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { FALLBACK, readIsoInstant } from "../../../src/availability/iso-instant.js";

const digits = (n: number, max: number) =>
  fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, "0"));

/** Instants in the accepted shape, with fields both ordinary and out of range. */
const instantText = fc
  .record({
    year: digits(4, 9999),
    month: digits(2, 13),
    day: digits(2, 32),
    t: fc.constantFrom("T", "t"),
    hour: digits(2, 25),
    minute: digits(2, 60),
    second: fc.option(digits(2, 61), { nil: undefined }),
    fraction: fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
    zone: fc.oneof(
      fc.constantFrom("Z", "z"),
      fc
        .record({
          sign: fc.constantFrom("+", "-"),
          hour: digits(2, 25),
          minute: fc.option(digits(2, 61), { nil: undefined }),
          colon: fc.boolean(),
        })
        .map(
          (o) =>
            `${o.sign}${o.hour}${o.minute === undefined ? "" : `${o.colon ? ":" : ""}${o.minute}`}`,
        ),
    ),
  })
  .map((f) => {
    const seconds =
      f.second === undefined
        ? ""
        : `:${f.second}${f.fraction === undefined ? "" : `.${f.fraction}`}`;
    return `${f.year}-${f.month}-${f.day}${f.t}${f.hour}:${f.minute}${seconds}${f.zone}`;
  });

function luxonMillis(text: string): number | undefined {
  const parsed = DateTime.fromISO(text, { setZone: true });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

describe("readIsoInstant", () => {
  it("reads what luxon reads, to the millisecond, or leaves the text to luxon", () => {
    let read = 0;
    fc.assert(
      fc.property(instantText, (text) => {
        const fast = readIsoInstant(text);
        if (fast === FALLBACK) return;
        read++;
        expect(fast, text).toBe(luxonMillis(text));
      }),
      { numRuns: 20_000 },
    );
    // The property must not hold by leaving everything to luxon.
    expect(read).toBeGreaterThan(1000);
  });

  it("reads the common forms without luxon", () => {
    expect(readIsoInstant("2026-03-09T09:00:00Z")).toBe(Date.UTC(2026, 2, 9, 9));
    expect(readIsoInstant("2026-03-09T10:00:00.250+01:00")).toBe(
      Date.UTC(2026, 2, 9, 9, 0, 0, 250),
    );
    expect(readIsoInstant("2026-03-09t04:30-0430")).toBe(Date.UTC(2026, 2, 9, 9));
    expect(readIsoInstant("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
  });

  it("leaves impossible dates and times and other shapes to luxon", () => {
    for (const text of [
      "2026-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:59:60Z",
      "0099-01-01T00:00:00Z",
      "2026-01-01T00:00:00",
      "2026-W01-1T00:00Z",
    ])
      expect(readIsoInstant(text), text).toBe(FALLBACK);
  });
});
