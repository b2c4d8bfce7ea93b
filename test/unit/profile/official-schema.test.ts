/**
 * "Anything the official schema rejects, ours rejects": every fixture profile is judged by
 * the official Calendario schema-v0.1.json and by the node's validator.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { checkProfile } from "../../../src/profile/index.js";
import { compileOfficialSchema } from "../../helpers/official-schema.js";

const FIXTURES = path.join(PACKAGE_ROOT, "test/fixtures/profiles");
const official = compileOfficialSchema();

interface Fixture {
  file: string;
  profile: unknown;
}

function fixturesIn(dir: string): Fixture[] {
  return readdirSync(path.join(FIXTURES, dir))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({
      file: `${dir}/${name}`,
      profile: JSON.parse(readFileSync(path.join(FIXTURES, dir, name), "utf8")).profile,
    }));
}

const whole = ["reference.json", "minimal.json"].map((file) => ({
  file,
  profile: JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8")),
}));
const all = [...whole, ...fixturesIn("invalid"), ...fixturesIn("warning")];
const officiallyRejected = all.filter((f) => !official(f.profile));
const officiallyAccepted = all.filter((f) => official(f.profile));

describe("the official schema and ours", () => {
  it("has at least 14 fixtures the official schema rejects, the issue's five kinds among them", () => {
    expect(officiallyRejected.length).toBeGreaterThanOrEqual(14);
    expect(officiallyRejected.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        "invalid/missing-notify.json",
        "invalid/missing-confirm.json",
        "invalid/missing-booking-confirmation-message.json",
        "invalid/missing-booking-error-message.json",
        "invalid/notify-type-extension.json",
      ]),
    );
  });

  it.each(officiallyRejected.map((f) => [f.file, f] as const))(
    "rejects %s, which the official schema rejects",
    async (_file, fixture) => {
      const report = await checkProfile(fixture.profile);
      expect(report.valid).toBe(false);
    },
  );

  it.each(fixturesIn("warning").map((f) => [f.file, f] as const))(
    "accepts %s with a warning, as the official schema accepts it",
    async (_file, fixture) => {
      expect(official(fixture.profile)).toBe(true);
      const report = await checkProfile(fixture.profile);
      expect(report.valid).toBe(true);
      expect(report.warnings.length).toBe(1);
    },
  );

  it.each(whole.map((f) => [f.file, f] as const))("both accept %s", async (_file, fixture) => {
    expect(official(fixture.profile)).toBe(true);
    expect((await checkProfile(fixture.profile)).valid).toBe(true);
  });

  it("where only ours rejects, each error says why", async () => {
    const stricter = officiallyAccepted.filter((f) => f.file.startsWith("invalid/"));
    expect(stricter.length).toBeGreaterThan(20);
    const unexplained: string[] = [];
    for (const fixture of stricter) {
      const report = await checkProfile(fixture.profile);
      const errors = [...report.schema.errors, ...report.semantics.errors];
      expect(errors.length, fixture.file).toBeGreaterThan(0);
      // "must be …: because", or a semantic check that names both sides of its problem.
      for (const error of errors)
        if (!/: |overlaps|before|after|not an IANA|already listed/.test(error.message))
          unexplained.push(`${fixture.file} ${error.pointer}: ${error.message}`);
    }
    expect(unexplained).toEqual([]);
  });
});
