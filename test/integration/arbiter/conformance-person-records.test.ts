/**
 * Mentions and suggestions (Store.putPersonRecord) on both stores: each write appends its
 * event to the user's chain in the same step, and a compare-and-set lets exactly one of
 * concurrent writes from one read through.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { PersonRecordWrite, Store } from "../../../src/arbiter/index.js";
import { verifyChain } from "../../../src/audit/index.js";
import { storeKinds } from "./store-harness.js";

function write(over: Partial<PersonRecordWrite> = {}): PersonRecordWrite {
  return {
    username: "jane",
    kind: "mentions",
    id: "mnt_a",
    value: JSON.stringify({ status: "sent", text: "Find 30 min with ana — ünïcødé" }),
    expected: null,
    event: {
      type: "mention.created",
      actor: "person:jane",
      resource: "mnt_a",
      data: { agent_id: "agt_x", mention_id: "mnt_a", text: "Find 30 min" },
    },
    ...over,
  };
}

for (const kind of storeKinds()) {
  describe(`person records: ${kind.name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      ({ store } = await kind.create());
    });
    afterAll(() => kind.teardown());

    it("writes a new record with its event in the user's chain", async () => {
      const out = await store.putPersonRecord(write());
      expect(out.status).toBe("recorded");
      expect(await store.getPersonRecord("jane", "mentions", "mnt_a")).toBe(write().value);
      expect(await store.listPersonRecords("jane", "mentions")).toEqual([write().value]);
      expect(await store.listPersonRecords("jane", "suggestions")).toEqual([]);
      const events = await store.readAudit("jane");
      const last = events.at(-1)!;
      expect(last).toMatchObject({
        id: out.status === "recorded" ? out.auditRef : "",
        type: "mention.created",
        actor: "person:jane",
        resource: "mnt_a",
        data: { agent_id: "agt_x", mention_id: "mnt_a", text: "Find 30 min" },
      });
      expect(verifyChain(events).ok).toBe(true);
    });

    it("refuses a second create of the same id and a write from a stale read", async () => {
      await store.putPersonRecord(write());
      const before = (await store.readAudit("jane")).length;
      expect(await store.putPersonRecord(write())).toEqual({ status: "stale" });
      expect(
        await store.putPersonRecord(write({ value: '{"status":"done"}', expected: '{"old":1}' })),
      ).toEqual({ status: "stale" });
      expect((await store.readAudit("jane")).length).toBe(before);
      expect(await store.getPersonRecord("jane", "mentions", "mnt_a")).toBe(write().value);
    });

    it("forgets the records with their user", async () => {
      await store.putUser(
        {
          username: "jane",
          input: {},
          published: "{}",
          etag: '"x"',
          visibility: "public",
          source: "admin",
          updatedAt: 0,
        },
        "admin",
      );
      await store.putPersonRecord(write());
      await store.putPersonRecord(write({ kind: "notifications", id: "bkg_a" }));
      expect(await store.deleteUser("jane", "admin")).toBe(true);
      expect(await store.listPersonRecords("jane", "mentions")).toEqual([]);
      expect(await store.getPersonRecord("jane", "notifications", "bkg_a")).toBeNull();
    });

    it("lets exactly one of concurrent writes from the same read through", async () => {
      await store.putPersonRecord(write({ kind: "suggestions", id: "sug_a" }));
      const read = (await store.getPersonRecord("jane", "suggestions", "sug_a"))!;
      const outs = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          store.putPersonRecord(
            write({
              kind: "suggestions",
              id: "sug_a",
              value: JSON.stringify({ status: "accepting", by: i }),
              expected: read,
              event: {
                type: "suggestion.claimed",
                actor: "person:jane",
                resource: "sug_a",
                data: {},
              },
            }),
          ),
        ),
      );
      expect(outs.filter((o) => o.status === "recorded")).toHaveLength(1);
      const winner = outs.findIndex((o) => o.status === "recorded");
      expect(JSON.parse((await store.getPersonRecord("jane", "suggestions", "sug_a"))!).by).toBe(
        winner,
      );
    });
  });
}
