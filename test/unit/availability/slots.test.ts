import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AvailabilityInput, listSlots } from "../../../src/availability/index.js";

interface IsoInterval {
  start: string;
  end: string;
}
interface Vector {
  name: string;
  why: string;
  input: Omit<AvailabilityInput, "bookings" | "holds" | "externalBusy" | "now" | "range"> & {
    bookings: IsoInterval[];
    holds: IsoInterval[];
    externalBusy?: IsoInterval[];
    now: string;
    range: IsoInterval;
  };
  expected: string[];
}

const vectors: Vector[] = JSON.parse(
  readFileSync(new URL("../../fixtures/availability/slot-vectors.json", import.meta.url), "utf8"),
).vectors;

const ms = ({ start, end }: IsoInterval) => ({ start: Date.parse(start), end: Date.parse(end) });
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");

function toInput(v: Vector["input"]): AvailabilityInput {
  return {
    ...v,
    bookings: v.bookings.map(ms),
    holds: v.holds.map(ms),
    externalBusy: v.externalBusy?.map(ms),
    now: Date.parse(v.now),
    range: ms(v.range),
  };
}

describe("listSlots known-answer vectors", () => {
  it("has the vectors the issue asks for", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(20);
  });

  for (const vector of vectors) {
    it(vector.name, () => {
      const slots = listSlots(toInput(vector.input));
      expect(slots.map((s) => `${iso(s.start)}/${iso(s.end)}`)).toEqual(vector.expected);
    });
  }
});

describe("listSlots input guards", () => {
  const base = toInput(vectors[0]!.input);

  it("offers nothing for an empty or reversed range", () => {
    expect(listSlots({ ...base, range: { start: base.range.end, end: base.range.start } })).toEqual(
      [],
    );
  });

  it("refuses a zero duration or step instead of looping", () => {
    expect(() => listSlots({ ...base, durationMinutes: 0 })).toThrow(/duration_minutes/);
    expect(() => listSlots({ ...base, stepMinutes: 0 })).toThrow(/step_minutes/);
  });

  it("refuses an unknown time zone with a pointer to it", () => {
    const profile = { ...base.profile, timezone: "Mars/Olympus_Mons" };
    try {
      listSlots({ ...base, profile });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe("invalid_request");
      expect((err as { details: unknown }).details).toEqual([
        expect.objectContaining({ pointer: "/timezone" }),
      ]);
    }
  });

  it("uses a 15-minute grid when no step is given", () => {
    const profile = {
      timezone: "UTC",
      scheduling: [{ type: "date" as const, dates: ["2026-06-01"], hours: ["09:00-10:00"] }],
    };
    const range = {
      start: Date.parse("2026-06-01T00:00:00Z"),
      end: Date.parse("2026-06-02T00:00:00Z"),
    };
    const slots = listSlots({
      profile,
      bookings: [],
      holds: [],
      now: 0,
      range,
      durationMinutes: 30,
    });
    expect(slots.map((s) => iso(s.start))).toEqual([
      "2026-06-01T09:00:00Z",
      "2026-06-01T09:15:00Z",
      "2026-06-01T09:30:00Z",
    ]);
  });

  it("skips malformed hours and dates rather than failing", () => {
    const profile = {
      timezone: "UTC",
      blackouts: ["not-a-date", { start: "2026-06-05", end: "2026-06-01" }],
      scheduling: [
        {
          type: "date" as const,
          dates: ["2026-02-30", "2026-06-01"],
          hours: ["10:00-09:00", "25:00-26:00", "09:00-10:00"],
        },
      ],
    };
    const range = {
      start: Date.parse("2026-06-01T00:00:00Z"),
      end: Date.parse("2026-06-02T00:00:00Z"),
    };
    const slots = listSlots({
      profile,
      bookings: [],
      holds: [],
      now: 0,
      range,
      durationMinutes: 60,
    });
    expect(slots.map((s) => iso(s.start))).toEqual(["2026-06-01T09:00:00Z"]);
  });
});
