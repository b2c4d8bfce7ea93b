import { describe, expect, it } from "vitest";
import type { AvailabilityProfile, UserRules } from "../../../src/availability/index.js";
import type {
  CalendarioProfile,
  UserRules as StoredRules,
} from "../../../src/profile/types.gen.js";

describe("availability input types", () => {
  it("accept the generated profile and user-rules types without casts", () => {
    // Checked by the type checker: these assignments must compile.
    const asProfile = (p: CalendarioProfile): AvailabilityProfile => p;
    const asRules = (r: StoredRules): UserRules => r;
    expect([typeof asProfile, typeof asRules]).toEqual(["function", "function"]);
  });
});
