/**
 * Deleting a user (Store.deleteUser) on both stores: one atomic step that closes the
 * audit chain into an archive and removes everything else, so nothing of the old user
 * works, or comes back when the name is used again. And storing many users at once
 * (Store.putUsers) leaves what storing them one by one does.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Agent, Store, UserRecord } from "../../../src/arbiter/index.js";
import { hashAgentKey } from "../../../src/arbiter/index.js";
import { GENESIS_HASH, verifyChain } from "../../../src/audit/index.js";
import type { ManualClock } from "../../../src/clock.js";
import { commitCmd, holdCmd, MIN, storeKinds, T0 } from "./store-harness.js";

const WIDE = { start: T0 - 1440 * MIN, end: T0 + 2880 * MIN };

function user(etag: string): UserRecord {
  return {
    username: "jane",
    input: { name: "Jane" },
    published: "{}",
    etag: `"${etag}"`,
    visibility: "public",
    source: "admin",
    updatedAt: T0,
  };
}

function agent(id: string, priority: number): Agent {
  return { id, username: "jane", name: id, priority, scopes: ["book"], createdAt: T0 };
}

for (const kind of storeKinds()) {
  describe(`deleting users: ${kind.name} store`, () => {
    let store: Store;
    let clock: ManualClock;
    beforeEach(async () => {
      ({ store, clock } = await kind.create());
    });
    afterAll(() => kind.teardown());

    /** jane with two agents, rules, a hold, a booking and a counter-proposal. */
    async function populate(keys: string[]) {
      await store.putUser(user("v1"), "admin");
      await store.putRules("jane", { max_bookings_per_day: 3 }, "admin");
      await store.createAgent(agent("agt_a", 1), hashAgentKey(keys[0]!), "admin");
      await store.createAgent(agent("agt_b", 2), hashAgentKey(keys[1]!), "admin");
      const booked = await store.commit(commitCmd({ agentId: "agt_a", priority: 1 }));
      if (booked.status !== "committed") throw new Error("not committed");
      await store.hold(
        holdCmd({ agentId: "agt_b", priority: 2, start: T0 + 200 * MIN, end: T0 + 230 * MIN }),
      );
      await store.putCounter(
        "jane",
        {
          id: "ctr_old",
          bookingId: booked.booking.id,
          proposedBy: "agt_b",
          proposed: [{ start: T0 + 300 * MIN, end: T0 + 330 * MIN }],
          status: "open",
          createdAt: T0,
        },
        "counter.proposed",
        "agt_b",
      );
      return booked.booking;
    }

    it("removes the user's agents, keys, rules, bookings, holds and counters", async () => {
      const booking = await populate(["key_a", "key_b"]);
      expect(await store.deleteUser("jane", "admin")).toBe(true);
      expect(await store.deleteUser("jane", "admin")).toBe(false);
      expect(await store.getUser("jane")).toBeNull();
      expect(await store.listUsernames()).toEqual([]);
      expect(await store.findAgentByKeyHash(hashAgentKey("key_a"))).toBeNull();
      expect(await store.findAgentByKeyHash(hashAgentKey("key_b"))).toBeNull();
      expect(await store.listAgents("jane")).toEqual([]);
      expect(await store.getAgent("jane", "agt_a")).toBeNull();
      expect(await store.getRules("jane")).toBeNull();
      expect(await store.listBookings("jane", WIDE)).toEqual([]);
      expect(await store.getBooking("jane", booking.id)).toBeNull();
      expect(await store.listHolds("jane", WIDE)).toEqual([]);
      expect(await store.getCounter("jane", "ctr_old")).toBeNull();
      expect(await store.readAudit("jane")).toEqual([]);
      expect(await store.auditHead("jane")).toEqual({ seq: 0, hash: GENESIS_HASH });
    });

    it("revives nothing when the name is created again: a new chain from seq 1", async () => {
      await populate(["key_a", "key_b"]);
      const idem = commitCmd({ agentId: "agt_a", priority: 1, idempotencyKey: "once" });
      await store.commit(idem);
      await store.deleteUser("jane", "admin");
      clock.advance(1000);

      await store.putUser(user("v2"), "admin");
      expect(await store.listAgents("jane")).toEqual([]);
      expect(await store.findAgentByKeyHash(hashAgentKey("key_a"))).toBeNull();
      expect(await store.getRules("jane")).toBeNull();
      expect(await store.listBookings("jane", WIDE)).toEqual([]);
      expect(await store.listHolds("jane", WIDE)).toEqual([]);
      expect(await store.getCounter("jane", "ctr_old")).toBeNull();
      // The old idempotency key is forgotten with its booking.
      expect(
        await store.findReplay("jane", "agt_a", "commit", "once", idem.fingerprint),
      ).toBeNull();
      const again = await store.commit({ ...idem, bookingId: "bkg_new" });
      expect(again).toMatchObject({ status: "committed", replay: false });

      const events = await store.readAudit("jane");
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, "profile.updated"],
        [2, "booking.committed"],
      ]);
      expect(events[0]!.prev_hash).toBe(GENESIS_HASH);
      expect(verifyChain(events)).toEqual({ ok: true });
      expect(await store.auditHead("jane")).toEqual({ seq: 2, hash: events[1]!.hash });
    });

    it("keeps the closed chain as an archive that lists, reads and verifies", async () => {
      await populate(["key_a", "key_b"]);
      const before = await store.auditHead("jane");
      await store.deleteUser("jane", "admin");
      await store.putUser(user("v2"), "admin");
      await store.createAgent(agent("agt_c", 1), hashAgentKey("key_c"), "admin");
      clock.advance(5000);
      await store.deleteUser("jane", "admin");

      const archives = await store.listAuditArchives("jane");
      expect(archives.map((a) => [a.archive, a.deletedAt, a.head.seq])).toEqual([
        [1, T0, before.seq + 1],
        [2, T0 + 5000, 3],
      ]);
      const first = await store.readAudit("jane", { archive: 1 });
      expect(first).toHaveLength(before.seq + 1);
      expect(first.at(-1)).toMatchObject({
        type: "profile.deleted",
        actor: "admin",
        resource: "jane",
        data: {},
      });
      expect(verifyChain(first)).toEqual({ ok: true });
      expect(first.at(-1)!.hash).toBe(archives[0]!.head.hash);
      expect(await store.auditHead("jane", { archive: 1 })).toEqual(archives[0]!.head);
      expect(
        (await store.readAudit("jane", { archive: 1, resource: "ctr_old" })).map((e) => e.type),
      ).toEqual([]);
      expect(
        (await store.readAudit("jane", { archive: 1, resource: "agt_a" })).map((e) => e.type),
      ).toEqual(["agent.created"]);
      const second = await store.readAudit("jane", { archive: 2, afterSeq: 1 });
      expect(second.map((e) => e.type)).toEqual(["agent.created", "profile.deleted"]);
      expect(verifyChain(await store.readAudit("jane", { archive: 2 }))).toEqual({ ok: true });
      expect(await store.readAudit("jane", { archive: 3 })).toEqual([]);
    });

    it("answers arbitration_expired to a commit waiting in the window when the user goes", async () => {
      await store.putUser(user("v1"), "admin");
      const waiting = store.arbitrate(commitCmd({ agentId: "agt_a", priority: 1 }), 200);
      await new Promise((r) => setTimeout(r, 50));
      await store.deleteUser("jane", "admin");
      expect(await waiting).toEqual({
        status: "rejected",
        reason: "arbitration_expired",
        replay: false,
      });
      expect(await store.listBookings("jane", WIDE)).toEqual([]);
    });
  });
}

function fileUser(username: string, etag: string): UserRecord {
  return {
    username,
    input: { username, display_name: username.toUpperCase() },
    published: JSON.stringify({ username, v: etag }),
    etag: `"${etag}"`,
    visibility: "public",
    source: "file",
    updatedAt: T0,
    fileDigest: `digest-${etag}`,
  };
}

for (const kind of storeKinds()) {
  describe(`storing many users at once: ${kind.name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      ({ store } = await kind.create());
    });
    afterAll(() => kind.teardown());

    /** The user's chain, its events without what is random (id) or hashed. */
    async function chainOf(username: string) {
      const events = await store.readAudit(username);
      expect(verifyChain(events)).toEqual({ ok: true });
      expect(await store.auditHead(username)).toEqual({
        seq: events.length,
        hash: events.at(-1)?.hash ?? GENESIS_HASH,
      });
      return events.map(({ id: _i, hash: _h, prev_hash: _p, ...rest }) => rest);
    }

    it("keeps each user's record, lists it, and starts its chain as putUser does", async () => {
      // Forty names: on a cluster they fall in every shard.
      const names = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
      await store.putUser(fileUser("single", "s1"), "system");
      await store.putUsers(
        names.map((u) => fileUser(u, "v1")),
        "system",
      );
      expect(await store.listUsernames()).toEqual([...names, "single"].sort());
      expect(await store.getUsers(names)).toEqual(names.map((u) => fileUser(u, "v1")));
      const single = await chainOf("single");
      expect(single).toEqual([
        {
          seq: 1,
          type: "profile.updated",
          at: T0,
          actor: "system",
          resource: "single",
          data: { etag: '"s1"', source: "file" },
        },
      ]);
      for (const u of names)
        expect(await chainOf(u)).toEqual([
          { ...single[0], resource: u, data: { etag: '"v1"', source: "file" } },
        ]);
    });

    it("appends to chains already there, and a later putUser follows on", async () => {
      const names = ["amy", "bob", "cyd"];
      await store.putUsers(
        names.map((u) => fileUser(u, "v1")),
        "system",
      );
      await store.putUsers(
        names.map((u) => fileUser(u, "v2")),
        "admin",
      );
      await store.putUser(fileUser("bob", "v3"), "admin");
      expect((await store.getUser("amy"))?.etag).toBe('"v2"');
      expect((await store.getUser("bob"))?.etag).toBe('"v3"');
      expect((await chainOf("amy")).map((e) => [e.seq, e.actor, e.data])).toEqual([
        [1, "system", { etag: '"v1"', source: "file" }],
        [2, "admin", { etag: '"v2"', source: "file" }],
      ]);
      expect((await chainOf("bob")).map((e) => e.seq)).toEqual([1, 2, 3]);
      await store.putUsers([], "system");
      expect(await store.listUsernames()).toEqual(names);
    });
  });
}
