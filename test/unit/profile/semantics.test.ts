import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { validateProfileSchema } from "../../../src/profile/schema.js";
import {
  checkHoursList,
  checkProfileSemantics,
  checkUserRulesSemantics,
  parseHoursRange,
} from "../../../src/profile/semantics.js";
import type { CalendarioProfile } from "../../../src/profile/types.gen.js";

const FIXTURES = path.join(PACKAGE_ROOT, "test/fixtures/profiles");

interface InvalidFixture {
  file: string;
  description: string;
  expect: { stage: "schema" | "semantics"; pointer: string; keyword?: string };
  profile: CalendarioProfile;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8")) as T;
}

const reference = readJson<CalendarioProfile>("reference.json");
const minimal = readJson<CalendarioProfile>("minimal.json");
const semanticCases: InvalidFixture[] = readdirSync(path.join(FIXTURES, "invalid"))
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ file: name, ...readJson<Omit<InvalidFixture, "file">>(`invalid/${name}`) }))
  .filter((f) => f.expect.stage === "semantics");

function withHours(hours: string[]): CalendarioProfile {
  const doc = structuredClone(minimal);
  doc.scheduling = [{ type: "weekly", days: ["monday"], hours }];
  return doc;
}

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

describe("parseHoursRange", () => {
  it("reads minutes after local midnight", () => {
    expect(parseHoursRange("09:00-17:30")).toEqual({ startMinute: 540, endMinute: 1050 });
    expect(parseHoursRange("00:00-24:00")).toEqual({ startMinute: 0, endMinute: 1440 });
    expect(parseHoursRange("23:59-00:01")).toEqual({ startMinute: 1439, endMinute: 1 });
  });

  it.each(["9:00-17:00", "09:00-24:01", "24:00-24:00", "09:00 17:00", "", "25:00-26:00"])(
    "throws a RangeError for %j",
    (text) => {
      expect(() => parseHoursRange(text)).toThrow(RangeError);
    },
  );

  it("parses exactly the strings the schema's hours pattern accepts", () => {
    const clock = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70 }));
    const text = fc.tuple(clock, clock, fc.boolean()).map(([[h1, m1], [h2, m2], pad]) => {
      const two = (n: number) => (pad ? String(n).padStart(2, "0") : String(n));
      return `${two(h1)}:${two(m1)}-${two(h2)}:${two(m2)}`;
    });
    fc.assert(
      fc.property(text, (hours) => {
        const schemaAccepts =
          validateProfileSchema(withHours([hours])).filter((i) => i.keyword === "pattern")
            .length === 0;
        let parsed = true;
        try {
          parseHoursRange(hours);
        } catch {
          parsed = false;
        }
        return schemaAccepts === parsed;
      }),
    );
  });
});

describe("checkProfileSemantics", () => {
  it("finds nothing wrong with the canonical example or the minimal profile", () => {
    expect(checkProfileSemantics(reference)).toEqual([]);
    expect(checkProfileSemantics(minimal)).toEqual([]);
  });

  it("has fixtures for every semantic check", () => {
    const keywords = new Set(semanticCases.map((f) => f.expect.keyword));
    for (const keyword of ["timezone", "hoursOrder", "hoursOverlap", "dateOrder", "duplicate"])
      expect(keywords).toContain(keyword);
  });

  describe.each(semanticCases)("$file", (fixture) => {
    it(`reports: ${fixture.description}, at ${fixture.expect.pointer}`, () => {
      const issues = checkProfileSemantics(fixture.profile);
      expect(issues).toEqual([
        expect.objectContaining({
          pointer: fixture.expect.pointer,
          keyword: fixture.expect.keyword,
        }),
      ]);
    });
  });

  it("accepts ranges that touch without overlapping, in any order", () => {
    expect(checkProfileSemantics(withHours(["13:00-17:00", "09:00-13:00", "17:00-24:00"]))).toEqual(
      [],
    );
  });

  it("reports an overlap with a range listed later but starting earlier", () => {
    const issues = checkProfileSemantics(withHours(["10:00-11:00", "08:00-12:00"]));
    expect(issues).toEqual([
      expect.objectContaining({ pointer: "/scheduling/0/hours/0", keyword: "hoursOverlap" }),
    ]);
    expect(issues[0]?.message).toContain("/scheduling/0/hours/1");
  });

  it("reports each range contained in an earlier long range", () => {
    const issues = checkProfileSemantics(withHours(["08:00-18:00", "09:00-10:00", "11:00-12:00"]));
    expect(issues.map((i) => i.pointer)).toEqual([
      "/scheduling/0/hours/1",
      "/scheduling/0/hours/2",
    ]);
  });

  it("does not compare hours across blocks (blocks are unioned)", () => {
    const doc = withHours(["09:00-12:00"]);
    doc.scheduling.push({ type: "date", dates: ["2026-03-02"], hours: ["10:00-11:00"] });
    expect(checkProfileSemantics(doc)).toEqual([]);
  });

  it("accepts a one-day range and a range that expires on its first day", () => {
    const doc = structuredClone(minimal);
    doc.scheduling = [
      { type: "range", start: "2026-03-02", end: "2026-03-02", hours: ["09:00-10:00"] },
      {
        type: "range",
        start: "2026-03-02",
        end: "2026-03-09",
        expires: "2026-03-02",
        hours: ["09:00-10:00"],
      },
    ];
    doc.blackouts = [{ start: "2026-04-01", end: "2026-04-01" }, "2026-04-01"];
    expect(checkProfileSemantics(doc)).toEqual([]);
  });

  it("reports a date listed twice in a date block", () => {
    const doc = structuredClone(minimal);
    doc.scheduling = [
      { type: "date", dates: ["2026-03-02", "2026-03-03", "2026-03-02"], hours: ["09:00-10:00"] },
    ];
    expect(checkProfileSemantics(doc)).toEqual([
      expect.objectContaining({ pointer: "/scheduling/0/dates/2", keyword: "duplicate" }),
    ]);
  });

  it("lists every semantic issue at once", () => {
    const doc = structuredClone(reference);
    doc.timezone = "Nowhere/Special";
    doc.scheduling[0]!.hours = ["11:00-09:00"];
    (doc.blackouts as unknown[])[1] = { start: "2025-12-31", end: "2025-12-01" };
    expect(checkProfileSemantics(doc).map((i) => i.pointer)).toEqual([
      "/timezone",
      "/blackouts/1/end",
      "/scheduling/0/hours/0",
    ]);
  });

  it("never throws on a document the schema would reject", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (scheduling, blackouts) => {
        const doc = { ...structuredClone(minimal), scheduling, blackouts } as never;
        checkProfileSemantics(doc);
      }),
    );
  });

  it("reports an overlap exactly when two ranges share a minute", () => {
    const range = fc
      .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
      .filter(([start, end]) => end > start);
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 6 }), (ranges) => {
        const hours = ranges.map(([s, e]) => `${hhmm(s)}-${hhmm(e)}`);
        const overlapping = ranges.some(([s1, e1], i) =>
          ranges.some(([s2, e2], j) => i !== j && s1 < e2 && s2 < e1),
        );
        const issues = checkHoursList(hours, "/h");
        return overlapping === issues.some((issue) => issue.keyword === "hoursOverlap");
      }),
    );
  });
});

describe("checkUserRulesSemantics", () => {
  it("checks the hours of focus blocks", () => {
    expect(
      checkUserRulesSemantics({
        focus_blocks: [
          { days: ["monday"], hours: ["12:00-13:00"] },
          { days: ["friday"], hours: ["15:00-14:00", "09:00-10:00", "09:30-11:00"] },
        ],
      }).map((i) => [i.pointer, i.keyword]),
    ).toEqual([
      ["/focus_blocks/1/hours/0", "hoursOrder"],
      ["/focus_blocks/1/hours/2", "hoursOverlap"],
    ]);
  });
});
