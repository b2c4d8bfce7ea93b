import { describe, expect, it } from "vitest";
import {
  DuplicateMemberError,
  findDuplicateMember,
  parseJsonWithoutDuplicates,
} from "../../../src/identity/index.js";

describe("findDuplicateMember", () => {
  it.each([
    ['{"display_name":"Jane","display_name":"Mallory"}', "/display_name"],
    ['{"a":1,"b":{"c":1,"c":2}}', "/b/c"],
    ['{"s":[{"x":1},{"y":1,"y":2}]}', "/s/1/y"],
    ['{"s":[[],[{"k":0}],{"k":1,"k":1}]}', "/s/2/k"],
    ['{"a":1,"\\u0061":2}', "/a"],
    ['{"a/b~":{"n":1,"n":1}}', "/a~1b~0/n"],
    ['{"r":{"x":"\\"},\\"y\\":{","x":2}}', "/r/x"],
    ['  {\n "a" : 1 ,\n "a" : 1 }', "/a"],
  ])("finds the repeated member of %s at %s", (text, pointer) => {
    expect(findDuplicateMember(text)?.pointer).toBe(pointer);
  });

  it.each([
    '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}',
    '{"a":"{\\"a\\":1,\\"a\\":2}"}',
    '["a","a"]',
    '{"A":1,"a":1}',
    '"text"',
    "42",
    "{}",
  ])("finds none in %s", (text) => {
    expect(findDuplicateMember(text)).toBeUndefined();
  });
});

describe("parseJsonWithoutDuplicates", () => {
  it("parses JSON without repeated members", () => {
    expect(parseJsonWithoutDuplicates('{"a":[1,{"b":2}]}')).toEqual({ a: [1, { b: 2 }] });
  });

  it("throws a DuplicateMemberError naming the member path", () => {
    expect(() => parseJsonWithoutDuplicates('{"x":{"y":1,"y":2}}')).toThrow(DuplicateMemberError);
    expect(() => parseJsonWithoutDuplicates('{"x":{"y":1,"y":2}}')).toThrow(/\/x\/y/);
  });

  it("still throws a SyntaxError for text that is not JSON", () => {
    expect(() => parseJsonWithoutDuplicates('{"a":')).toThrow(SyntaxError);
  });
});
