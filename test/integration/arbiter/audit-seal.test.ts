/**
 * The Redis store seals its audit chain after each script, in a second step
 * (src/arbiter/redis/audit-seal.ts). A process that dies between the two steps loses no
 * event: the next reader, on any connection, seals what is pending, and concurrent
 * sealers make one chain.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../../src/arbiter/index.js";
import { userKey } from "../../../src/arbiter/redis/keys.js";
import { type AuditEvent, GENESIS_HASH, verifyChain } from "../../../src/audit/index.js";
import { ManualClock } from "../../../src/clock.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import {
  agentRecord as agent,
  commitCmd,
  holdCmd,
  MIN,
  T0,
  janeRecord as user,
} from "./store-harness.js";

describe("audit sealing outside the scripts (Redis store)", () => {
  let server: RedisServer;
  const opened: RedisStore[] = [];
  const clock = new ManualClock(T0);
  const open = async (leaveUnsealed = false) => {
    const store = await RedisStore.connect(server.url, { clock, leaveUnsealed });
    opened.push(store);
    return store;
  };
  const sealedInStream = () => server.client!.xLen(userKey("jane", "audit"));

  beforeAll(async () => {
    server = await startRedisServer({ connect: true });
  });
  beforeEach(async () => {
    await server.client!.flushAll();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server.stop();
  });

  /** Writes of every kind by a store that never seals (a process dying after each script). */
  async function writeUnsealed(store: RedisStore, slots: number) {
    await store.putUser(user, "admin");
    await store.createAgent(agent("agt_a", 1), "hash_a", "admin");
    await store.createAgent(agent("agt_b", 2), "hash_b", "admin");
    for (let i = 0; i < slots; i++) {
      const start = T0 + (60 + i * 60) * MIN;
      await store.hold(holdCmd({ agentId: "agt_b", priority: 2, start, end: start + 30 * MIN }));
      const c = await store.commit(
        commitCmd({ agentId: "agt_a", priority: 1, start, end: start + 30 * MIN }),
      );
      expect(c.status).toBe("committed");
    }
  }

  function expectWholeChain(events: AuditEvent[], count: number) {
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(verifyChain(events, GENESIS_HASH)).toEqual({ ok: true });
  }

  it("seals after every write in the normal case: the stream holds the whole chain", async () => {
    const store = await open();
    await writeUnsealed(store, 3);
    // A commit's seal runs behind its answer.
    await store.settleSeals();
    // 3 records, then per slot: hold.created, hold.invalidated, booking.committed.
    expect(await sealedInStream()).toBe(12);
    const head = await server.client!.hGetAll(userKey("jane", "audit:head"));
    expect(Object.keys(head).filter((f) => f.startsWith("p:"))).toEqual([]);
  });

  it("loses no event when the sealing step never ran: another store seals on read", async () => {
    const dying = await open(true);
    await writeUnsealed(dying, 4);
    expect(await sealedInStream()).toBe(0);

    const reader = await open();
    const head = await reader.auditHead("jane");
    expect(head.seq).toBe(15);
    const events = await reader.readAudit("jane");
    expectWholeChain(events, 15);
    expect(head.hash).toBe(events.at(-1)!.hash);
    expect(await sealedInStream()).toBe(15);
    expect(events.map((e) => e.type).slice(0, 6)).toEqual([
      "profile.updated",
      "agent.created",
      "agent.created",
      "hold.created",
      "hold.invalidated",
      "booking.committed",
    ]);
  });

  it("seals pending events before a write's own, in order, when a later write seals", async () => {
    const dying = await open(true);
    await writeUnsealed(dying, 2);
    const next = await open();
    const start = T0 + 600 * MIN;
    await next.commit(commitCmd({ agentId: "agt_a", priority: 1, start, end: start + 30 * MIN }));
    await next.settleSeals();
    expect(await sealedInStream()).toBe(10);
    expectWholeChain(await next.readAudit("jane"), 10);
  });

  it("makes one chain when many sealers race each other and new writes", async () => {
    const dying = await open(true);
    await writeUnsealed(dying, 5);
    const sealers = await Promise.all(Array.from({ length: 6 }, () => open()));
    const writer = await open();
    await Promise.all([
      ...sealers.map((s, i) => (i % 2 ? s.auditHead("jane") : s.readAudit("jane"))),
      ...Array.from({ length: 5 }, (_, i) => {
        const start = T0 + (2000 + i * 60) * MIN;
        return writer.commit(
          commitCmd({ agentId: "agt_a", priority: 1, start, end: start + 30 * MIN }),
        );
      }),
      ...sealers.map((s) => s.auditHead("jane")),
    ]);
    const events = await sealers[0]!.readAudit("jane");
    expectWholeChain(events, 23);
    expect(new Set(events.map((e) => e.id)).size).toBe(23);
    expect(await sealedInStream()).toBe(23);
  });

  it("answers a commit before sealing it, and a reader elsewhere still sees the whole chain", async () => {
    const writer = await open();
    const reader = await open();
    await writeUnsealed(writer, 1);
    const start = T0 + 900 * MIN;
    const c = await writer.commit(
      commitCmd({ agentId: "agt_a", priority: 1, start, end: start + 30 * MIN }),
    );
    expect(c.status).toBe("committed");
    // No settleSeals(): whether or not the writer's seal has run, the reader seals first.
    expectWholeChain(await reader.readAudit("jane"), 7);
    await writer.settleSeals();
    expectWholeChain(await reader.readAudit("jane"), 7);
  });

  it("seals a burst of commits on one calendar in fewer calls than commits", async () => {
    const store = await open();
    await writeUnsealed(store, 0);
    await store.settleSeals();
    const evalshaCalls = async () =>
      Number(
        /cmdstat_evalsha:calls=(\d+)/.exec(await server.client!.info("commandstats"))?.[1] ?? 0,
      );
    const before = await evalshaCalls();
    const burst = 20;
    const answers = await Promise.all(
      Array.from({ length: burst }, (_, i) => {
        const start = T0 + (3000 + i * 60) * MIN;
        return store.commit(
          commitCmd({ agentId: "agt_a", priority: 1, start, end: start + 30 * MIN }),
        );
      }),
    );
    expect(answers.every((a) => a.status === "committed")).toBe(true);
    await store.settleSeals();
    const seals = (await evalshaCalls()) - before - burst;
    expect(seals).toBeGreaterThan(0);
    expect(seals).toBeLessThanOrEqual(burst / 2);
    expect(await sealedInStream()).toBe(3 + burst);
    expectWholeChain(await store.readAudit("jane"), 3 + burst);
  });

  it("archives a sealed chain when a user with pending events is deleted", async () => {
    const dying = await open(true);
    await writeUnsealed(dying, 1);
    const admin = await open();
    expect(await admin.deleteUser("jane", "admin")).toBe(true);
    const [archive] = await admin.listAuditArchives("jane");
    const events = await admin.readAudit("jane", { archive: archive!.archive });
    expectWholeChain(events, 7);
    expect(events.at(-1)!.type).toBe("profile.deleted");
    expect(archive!.head).toEqual({ seq: 7, hash: events.at(-1)!.hash });
  });
});
