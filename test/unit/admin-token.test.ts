import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadOrCreateAdminToken } from "../../src/admin-token.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-token-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("creates a token once (mode 0600), reuses it after, and prefers ADMIN_TOKEN", async () => {
  const first = await loadOrCreateAdminToken(dir, undefined);
  expect(first.created).toBe(true);
  expect(first.token).toMatch(/^cal_admin_[\w-]{43}$/);
  expect((await stat(first.file!)).mode & 0o777).toBe(0o600);
  const again = await loadOrCreateAdminToken(dir, undefined);
  expect(again).toMatchObject({ created: false, token: first.token });
  expect(await loadOrCreateAdminToken(dir, "from-the-environment-123")).toEqual({
    token: "from-the-environment-123",
    created: false,
  });
});
