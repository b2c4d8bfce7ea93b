import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Every answer of an in-process app is checked against /openapi.json (src/http/docs).
    env: { CALENDARIO_VALIDATE_RESPONSES: "1" },
    setupFiles: ["test/helpers/response-check-setup.ts"],
  },
});
