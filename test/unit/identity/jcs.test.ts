import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/errors.js";
import { canonicalJson } from "../../../src/identity/index.js";

const VECTORS = new URL("../../fixtures/vectors/jcs/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, VECTORS), "utf8");

function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalJson (RFC 8785 vectors)", () => {
  for (const name of ["primitives", "sorting", "numbers"]) {
    it(`canonicalizes the ${name} vector to the expected bytes`, () => {
      const input = JSON.parse(read(`${name}.input.json`));
      expect(canonicalJson(input)).toBe(read(`${name}.output.json`));
    });
  }

  const appendixB = JSON.parse(read("appendix-b-numbers.json")) as {
    valid: { ieee754: string; canonical: string }[];
    invalid: { ieee754: string }[];
  };
  it.each(appendixB.valid)(
    "serializes IEEE 754 $ieee754 as $canonical",
    ({ ieee754, canonical }) => {
      expect(canonicalJson(fromIeeeHex(ieee754))).toBe(canonical);
      expect(canonicalJson([fromIeeeHex(ieee754)])).toBe(`[${canonical}]`);
    },
  );
  it.each(appendixB.invalid)("refuses IEEE 754 $ieee754 (no JSON form)", ({ ieee754 }) => {
    expect(() => canonicalJson({ n: fromIeeeHex(ieee754) })).toThrow(InvalidRequestError);
  });
});

describe("canonicalJson refuses what JCS cannot represent", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  it.each([
    ["undefined", undefined],
    ["a function", () => 1],
    ["a bigint", { n: 1n }],
    ["a symbol", [Symbol("s")]],
    ["a lone surrogate in a string", { s: "a\ud800b" }],
    ["a lone surrogate in a member name", { "\udc00": 1 }],
    ["a circular value", cyclic],
    ["a Date", { at: new Date(0) }],
    ["an undefined member", { a: undefined }],
  ])("throws InvalidRequestError for %s", (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(InvalidRequestError);
  });

  it("keeps a well-formed surrogate pair", () => {
    expect(canonicalJson({ e: "\ud83d\ude00" })).toBe('{"e":"😀"}');
  });

  it("accepts a value shared twice that is not circular", () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});

describe("canonicalJson properties", () => {
  const json = fc.jsonValue({ noUnicodeString: false });

  it("is a fixed point: canonicalizing the parsed canonical text gives the same text", () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it("does not depend on the order of object members", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });

  it("round-trips every JSON value", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
