/** Profile files (PROFILES_DIR) enter the node like admin API bodies: a repeated member is refused. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { loadProfilesFromDir, putUserProfile } from "../../src/profile/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../helpers/node.js";

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
});
afterAll(async () => {
  await node.close();
});

it("skips a profile file that repeats a member, logging the member's path", async () => {
  const dir = path.join(node.dataDir, "profiles");
  await mkdir(dir);
  await writeFile(path.join(dir, "ok.json"), JSON.stringify(sampleProfileInput("ok")));
  const twice = JSON.stringify(sampleProfileInput("twice")).replace(
    '"human_ack_required":false',
    '"human_ack_required":false,"human_ack_required":true',
  );
  await writeFile(path.join(dir, "twice.json"), twice);
  const logs: { msg: string; file?: string; error?: string }[] = [];
  const logger = createLogger("info", { write: (line: string) => logs.push(JSON.parse(line)) });
  const result = await loadProfilesFromDir(dir, node.ctx.store, node.ctx.publishDeps, logger);
  expect(result).toMatchObject({ loaded: ["ok"], failed: ["twice"], released: [], signed: 1 });
  expect(await node.ctx.store.getUser("twice")).toBeNull();
  const logged = logs.find((l) => l.msg === "profile not loaded");
  expect(path.basename(logged?.file ?? "")).toBe("twice.json");
  expect(logged?.error).toMatch(
    /"human_ack_required" appears twice at \/response_channel\/human_ack_required/,
  );
});

it("signs again an unchanged profile whose served form lacks what the official schema requires", async () => {
  const input = sampleProfileInput("old");
  const { ctx } = node;
  const first = await putUserProfile(ctx.store, ctx.publishDeps, "old", input, "file");
  // As a node before this version served it: no notify, no messages.
  const served = JSON.parse(first.record.published);
  delete served.response_channel.notify;
  delete served.response_channel.booking_error_message;
  await ctx.store.putUser({ ...first.record, published: JSON.stringify(served) }, "system");
  const again = await putUserProfile(ctx.store, ctx.publishDeps, "old", input, "file");
  expect(again.changed).toBe(true);
  expect(JSON.parse(again.record.published).response_channel).toMatchObject({
    notify: [],
    booking_error_message: expect.any(String),
  });
  const unchanged = await putUserProfile(ctx.store, ctx.publishDeps, "old", input, "file");
  expect(unchanged.changed).toBe(false);
});
