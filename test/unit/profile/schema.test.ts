import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import {
  checkProfileSchema,
  profileSchema,
  validateProfileInput,
  validateProfileSchema,
  validateUserRules,
} from "../../../src/profile/schema.js";
import { generateTypes, TYPES_FILE } from "../../../tools/gen-types.js";

const FIXTURES = path.join(PACKAGE_ROOT, "test/fixtures/profiles");

interface InvalidFixture {
  file: string;
  description: string;
  expect: { stage: "schema" | "semantics" | "warning"; pointer: string; keyword?: string };
  profile: unknown;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8")) as T;
}

const reference = readJson<Record<string, unknown>>("reference.json");
const minimal = readJson<Record<string, unknown>>("minimal.json");
const invalid: InvalidFixture[] = readdirSync(path.join(FIXTURES, "invalid"))
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ file: name, ...readJson<Omit<InvalidFixture, "file">>(`invalid/${name}`) }));
const warningCases: InvalidFixture[] = readdirSync(path.join(FIXTURES, "warning"))
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ file: name, ...readJson<Omit<InvalidFixture, "file">>(`warning/${name}`) }));
const schemaCases = invalid.filter((f) => f.expect.stage === "schema");
const semanticCases = invalid.filter((f) => f.expect.stage === "semantics");

function clone<T>(value: T): T {
  return structuredClone(value);
}

describe("validateProfileSchema", () => {
  it("accepts the canonical example of the Calendario v0.1 spec, placeholder proofs included", () => {
    expect(validateProfileSchema(reference)).toEqual([]);
  });

  it("accepts a minimal profile with only the required members", () => {
    expect(validateProfileSchema(minimal)).toEqual([]);
  });

  it("requires exactly the members the official v0.1 schema requires", () => {
    expect([...(profileSchema.required as string[])].sort()).toEqual(
      [
        "version",
        "username",
        "display_name",
        "self",
        "self_proof",
        "timezone",
        "visibility",
        "allow_anonymous_booking",
        "scheduling",
        "response_channel",
      ].sort(),
    );
  });

  it("accepts unknown top-level members (extensibility rule)", () => {
    const doc = { ...clone(reference), "x-foo": { anything: [1, 2, 3] }, future_field: true };
    expect(validateProfileSchema(doc)).toEqual([]);
  });

  it("refuses x- notify types, as the official schema does, and accepts arbitrary meta", () => {
    const doc = clone(reference) as { response_channel: { notify: unknown[] }; meta?: unknown };
    doc.meta = { "x-tags": ["founder"], nested: { deep: [true] } };
    expect(validateProfileSchema(doc)).toEqual([]);
    doc.response_channel.notify.push({ type: "x-signal", value: "+14155551234" });
    expect(validateProfileSchema(doc)).toEqual([
      expect.objectContaining({ pointer: "/response_channel/notify/5/type", keyword: "enum" }),
    ]);
  });

  it("accepts 24:00 as the end of a range", () => {
    const doc = clone(minimal) as { scheduling: { hours: string[] }[] };
    doc.scheduling[0]!.hours = ["00:00-24:00"];
    expect(validateProfileSchema(doc)).toEqual([]);
  });

  it.each([null, "profile", 42, []])("reports %j as not an object without throwing", (doc) => {
    expect(validateProfileSchema(doc)).toEqual([
      expect.objectContaining({ pointer: "", keyword: "type" }),
    ]);
  });

  it("lists every error at once", () => {
    const doc = clone(reference) as Record<string, unknown>;
    delete doc.self;
    doc.visibility = "friends";
    doc.payment_url = "javascript:alert(1)";
    (doc.scheduling as { hours: string[] }[])[0]!.hours[0] = "9:00-11:00";
    const pointers = validateProfileSchema(doc).map((i) => i.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(["/self", "/visibility", "/payment_url", "/scheduling/0/hours/0"]),
    );
    expect(pointers).toHaveLength(4);
  });

  it("escapes member names in pointers (RFC 6901)", () => {
    const doc = clone(reference) as { response_channel: Record<string, unknown> };
    doc.response_channel["a/b~c"] = 1;
    expect(checkProfileSchema(doc)).toEqual({
      errors: [],
      warnings: [
        expect.objectContaining({
          pointer: "/response_channel/a~1b~0c",
          keyword: "additionalProperties",
        }),
      ],
    });
  });

  it("says why where it is stricter than the official schema", () => {
    const doc = clone(minimal) as Record<string, unknown> & { scheduling: unknown[] };
    doc.version = "0.2";
    doc.scheduling = [{ type: "weekly", hours: ["09:00-10:00"] }];
    const messages = Object.fromEntries(
      validateProfileSchema(doc).map((i) => [i.pointer, i.message]),
    );
    expect(messages["/version"]).toMatch(/must be "0.1": the only protocol version/);
    expect(messages["/scheduling/0/days"]).toMatch(/available on no day/);
  });

  describe.each(warningCases)("$file", (fixture) => {
    it(`warns, without an error: ${fixture.description}, at ${fixture.expect.pointer}`, () => {
      const { errors, warnings } = checkProfileSchema(fixture.profile);
      expect(errors).toEqual([]);
      expect(warnings).toEqual([
        expect.objectContaining({
          pointer: fixture.expect.pointer,
          keyword: "additionalProperties",
        }),
      ]);
      expect(warnings[0]?.message).toMatch(/is not part of Calendario v0.1/);
    });
  });

  it("says what a malformed hours range should look like", () => {
    const doc = clone(minimal) as { scheduling: { hours: string[] }[] };
    doc.scheduling[0]!.hours = ["9-5"];
    const [issue] = validateProfileSchema(doc);
    expect(issue?.message).toContain("HH:MM-HH:MM");
  });

  it("has at least 35 invalid fixtures", () => {
    expect(schemaCases.length + semanticCases.length).toBeGreaterThanOrEqual(35);
  });

  describe.each(schemaCases)("$file", (fixture) => {
    it(`rejects: ${fixture.description}, at ${fixture.expect.pointer || "the root"}`, () => {
      const issues = validateProfileSchema(fixture.profile);
      expect(issues.length).toBeGreaterThan(0);
      // The error names the right member, and only that member.
      for (const issue of issues) expect(issue.pointer).toBe(fixture.expect.pointer);
      if (fixture.expect.keyword)
        expect(issues.map((i) => i.keyword)).toContain(fixture.expect.keyword);
    });
  });

  it.each(semanticCases.map((f) => [f.file, f] as const))(
    "passes the schema but not the semantic checks: %s",
    (_file, fixture) => {
      expect(validateProfileSchema(fixture.profile)).toEqual([]);
    },
  );
});

describe("validateProfileInput", () => {
  const withoutNodeMembers = () => {
    const doc = clone(reference) as Record<string, unknown>;
    for (const name of ["self", "self_proof", "organization", "organization_proof"])
      delete doc[name];
    return doc;
  };

  it("accepts a profile without the members the node fills in", () => {
    expect(validateProfileInput(withoutNodeMembers())).toEqual([]);
  });

  it("while the published schema reports them as missing", () => {
    const issues = validateProfileSchema(withoutNodeMembers());
    expect(issues.map((i) => [i.pointer, i.keyword]).sort()).toEqual([
      ["/self", "required"],
      ["/self_proof", "required"],
    ]);
  });

  it("still checks the node-filled members when they are given", () => {
    const doc = clone(reference) as Record<string, unknown>;
    doc.self = "not a did";
    doc.organization = "javascript:alert(1)";
    expect(validateProfileInput(doc).map((i) => i.pointer)).toEqual(["/self", "/organization"]);
  });

  it("still requires everything else", () => {
    const doc = withoutNodeMembers();
    delete doc.username;
    delete doc.scheduling;
    expect(validateProfileInput(doc).map((i) => i.pointer)).toEqual(["/username", "/scheduling"]);
  });

  it("accepts a response_channel without the members the node fills in", () => {
    const doc = withoutNodeMembers() as { response_channel: Record<string, unknown> };
    doc.response_channel = { human_ack_required: true };
    expect(validateProfileInput(doc)).toEqual([]);
  });

  const NODE_FILLED =
    /^\/(self|self_proof|response_channel\/(notify|confirm|booking_confirmation_message|booking_error_message))$/;
  it.each(schemaCases.filter((f) => !NODE_FILLED.test(f.expect.pointer)))(
    "rejects $file like the published schema",
    (fixture) => {
      expect(validateProfileInput(fixture.profile).map((i) => i.pointer)).toContain(
        fixture.expect.pointer,
      );
    },
  );
});

describe("validateUserRules", () => {
  it("accepts empty and complete rules", () => {
    expect(validateUserRules({})).toEqual([]);
    expect(
      validateUserRules({
        buffer_before_minutes: 0,
        buffer_after_minutes: 240,
        focus_blocks: [{ days: ["monday", "friday"], hours: ["08:00-10:00", "22:00-24:00"] }],
      }),
    ).toEqual([]);
  });

  it.each([
    [{ buffer_before_minutes: 241 }, "/buffer_before_minutes", "maximum"],
    [{ buffer_after_minutes: -1 }, "/buffer_after_minutes", "minimum"],
    [{ buffer_after_minutes: 7.5 }, "/buffer_after_minutes", "type"],
    [{ lunch: true }, "/lunch", "additionalProperties"],
    [
      { focus_blocks: [{ days: ["someday"], hours: ["08:00-10:00"] }] },
      "/focus_blocks/0/days/0",
      "enum",
    ],
    [
      { focus_blocks: [{ days: ["monday"], hours: ["8-10"] }] },
      "/focus_blocks/0/hours/0",
      "pattern",
    ],
    [{ focus_blocks: [{ days: ["monday"] }] }, "/focus_blocks/0/hours", "required"],
    [
      { focus_blocks: new Array(51).fill({ days: ["monday"], hours: ["08:00-09:00"] }) },
      "/focus_blocks",
      "maxItems",
    ],
  ])("rejects %j at %s", (doc, pointer, keyword) => {
    expect(validateUserRules(doc)).toEqual([expect.objectContaining({ pointer, keyword })]);
  });
});

describe("types.gen.ts", () => {
  it("is what npm run gen:types generates from the schemas today", async () => {
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(await generateTypes());
  });
});
