/**
 * The outbox as a consumer group ("webhooks") on each watched user's audit stream:
 * XREADGROUP hands each entry to one consumer, XACK follows once its deliveries are
 * persisted, XAUTOCLAIM moves the entries of a consumer that died to a live one.
 */
import { type AuditEvent, isCluster, sendKeyed } from "../../arbiter/index.js";
import type { OutboxBatch } from "../types.js";
import type { WebhookRedisClient, WebhookScripts } from "./client.js";
import { auditStreamKey, CONSUMER_GROUP, entryId, seqOfEntry, usernameOfStream } from "./keys.js";
import { groupBySlot } from "./slot-groups.js";

/** Streams per XREADGROUP call (all in one slot: on a cluster, mostly one user's). */
const STREAMS_PER_READ = 200;
/** XREADGROUP calls in flight at once (node-redis pipelines them on each connection). */
const READS_IN_FLIGHT = 32;

type RawEntry = [id: string, fields: string[]];

function parseEntry([, fields]: RawEntry): AuditEvent {
  const message: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) message[fields[i]!] = fields[i + 1]!;
  return { ...JSON.parse(message.event!), hash: message.hash! };
}

const isBusyGroup = (err: unknown) => err instanceof Error && err.message.startsWith("BUSYGROUP");
const isNoGroup = (err: unknown) => err instanceof Error && err.message.startsWith("NOGROUP");
/** XGROUP CREATE without MKSTREAM on a stream that does not exist. */
const isNoStream = (err: unknown) =>
  err instanceof Error && err.message.includes("requires the key to exist");

export class OutboxGroup {
  /** Streams known to have the group. */
  private readonly groups = new Set<string>();

  constructor(private readonly client: WebhookRedisClient) {}

  /**
   * For a new subscription: creates the group, reading after `fromId`, unless it exists.
   * Never trusts the cache: the user may have been deleted and created again since (by
   * another process), and its new chain has no group yet.
   */
  async create(username: string, fromId: string): Promise<void> {
    const key = auditStreamKey(username);
    try {
      await sendKeyed(this.client, key, [
        "XGROUP",
        "CREATE",
        key,
        CONSUMER_GROUP,
        fromId,
        "MKSTREAM",
      ]);
    } catch (err) {
      if (!isBusyGroup(err)) throw err;
    }
    this.groups.add(key);
  }

  /**
   * Before reading: creates a missing group at the stream's end ("$": a lost group does
   * not replay history). False when the stream does not exist (the user was deleted):
   * it is not created again for a user that is gone.
   */
  private async ensure(username: string): Promise<boolean> {
    const key = auditStreamKey(username);
    if (this.groups.has(key)) return true;
    try {
      await sendKeyed(this.client, key, ["XGROUP", "CREATE", key, CONSUMER_GROUP, "$"]);
    } catch (err) {
      if (isNoStream(err)) return false;
      if (!isBusyGroup(err)) throw err;
    }
    this.groups.add(key);
    return true;
  }

  /** The user was deleted: its chain's group goes, and this process forgets it had one. */
  async destroy(username: string): Promise<void> {
    const key = auditStreamKey(username);
    this.groups.delete(key);
    await sendKeyed(this.client, key, ["XGROUP", "DESTROY", key, CONSUMER_GROUP]).catch(() => {});
  }

  /**
   * New entries of the users' streams. One XREADGROUP names many streams only when they
   * share a slot: on one Redis, all of them; on a cluster, those of one slot (a call per
   * user, mostly), read a few dozen at a time.
   */
  async claimNew(consumer: string, usernames: string[], count: number) {
    const readable: string[] = [];
    for (const username of usernames) if (await this.ensure(username)) readable.push(username);
    const reads = groupBySlot(
      readable.map(auditStreamKey),
      isCluster(this.client),
      STREAMS_PER_READ,
    );
    const batches: OutboxBatch[] = [];
    for (let i = 0; i < reads.length; i += READS_IN_FLIGHT) {
      const replies = await Promise.all(
        reads.slice(i, i + READS_IN_FLIGHT).map((keys) => this.readGroup(consumer, keys, count)),
      );
      for (const reply of replies)
        for (const [key, entries] of reply ?? [])
          if (entries.length > 0)
            batches.push({ username: usernameOfStream(key), events: entries.map(parseEntry) });
    }
    return batches;
  }

  private async readGroup(consumer: string, keys: string[], count: number) {
    try {
      return await sendKeyed<[string, RawEntry[]][] | null, WebhookScripts>(this.client, keys[0]!, [
        "XREADGROUP",
        "GROUP",
        CONSUMER_GROUP,
        consumer,
        "COUNT",
        String(count),
        "STREAMS",
        ...keys,
        ...keys.map(() => ">"),
      ]);
    } catch (err) {
      if (isNoGroup(err)) for (const key of keys) this.groups.delete(key);
      throw err;
    }
  }

  async claimAbandoned(
    consumer: string,
    username: string,
    minIdleMs: number,
    count: number,
  ): Promise<AuditEvent[]> {
    let reply: [string, (RawEntry | null)[], string[]?];
    try {
      const key = auditStreamKey(username);
      reply = (await sendKeyed(this.client, key, [
        "XAUTOCLAIM",
        key,
        CONSUMER_GROUP,
        consumer,
        String(minIdleMs),
        "0-0",
        "COUNT",
        String(count),
      ])) as [string, (RawEntry | null)[], string[]?];
    } catch (err) {
      // The user was deleted (its stream and group are gone): nothing to reclaim.
      if (isNoGroup(err)) return [];
      throw err;
    }
    return reply[1].filter((e): e is RawEntry => Array.isArray(e)).map(parseEntry);
  }

  async forgetIdle(username: string, idleMs: number): Promise<void> {
    const key = auditStreamKey(username);
    const consumers = (await sendKeyed(this.client, key, [
      "XINFO",
      "CONSUMERS",
      key,
      CONSUMER_GROUP,
    ]).catch(() => [])) as string[][];
    for (const flat of consumers) {
      const info: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) info[flat[i]!] = String(flat[i + 1]);
      // A consumer with pending entries keeps them until they are claimed: never dropped here.
      if (Number(info.pending) === 0 && Number(info.idle) >= idleMs && info.name)
        await sendKeyed(this.client, key, [
          "XGROUP",
          "DELCONSUMER",
          key,
          CONSUMER_GROUP,
          info.name,
        ]);
    }
  }

  async persistedBelow(username: string): Promise<number | null> {
    const reply = (await this.client.outboxFloor([auditStreamKey(username)], [CONSUMER_GROUP])) as
      | [string, string]
      | [];
    if (reply.length === 0) return null;
    const [kind, id] = reply;
    return kind === "pending" ? seqOfEntry(id) : seqOfEntry(id) + 1;
  }

  async ack(username: string, seqs: number[]): Promise<void> {
    if (seqs.length > 0)
      await this.client.xAck(auditStreamKey(username), CONSUMER_GROUP, seqs.map(entryId));
  }
}
