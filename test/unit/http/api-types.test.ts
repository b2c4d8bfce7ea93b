import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, generateApiTypes } from "../../../tools/gen-types.js";

describe("api-types.gen.ts", () => {
  it("is what npm run gen:types generates from schemas/api today", async () => {
    const generated = await generateApiTypes();
    expect(generated).toContain("export interface BookingRequest {");
    expect(readFileSync(API_TYPES_FILE, "utf8")).toBe(generated);
  });
});
