/**
 * Vitest setup: with CALENDARIO_VALIDATE_RESPONSES=1 (vitest.config.ts) every in-process app
 * checks its answers against the OpenAPI document; a test file whose answers disagree with
 * it fails here, listing each mismatch.
 */
import { afterAll, expect } from "vitest";
import { responseMismatches } from "../../src/http/docs/response-check.js";

afterAll(() => {
  const seen = responseMismatches().splice(0);
  expect(seen, "answers that disagree with /openapi.json").toEqual([]);
});
