/**
 * The outbox as a consumer group ("webhooks") on each watched user's audit stream:
 * XREADGROUP hands each entry to one consumer, XACK follows once its deliveries are
 * persisted, XAUTOCLAIM moves the entries of a consumer that died to a live one.
 */
import type { AuditEvent } from "../../arbiter/index.js";
import type { OutboxBatch } from "../types.js";
import type { WebhookRedisClient } from "./client.js";
import { auditStreamKey, CONSUMER_GROUP, entryId, seqOfEntry, usernameOfStream } from "./keys.js";

/** Streams per XREADGROUP call. */
const STREAMS_PER_READ = 200;

type RawEntry = [id: string, fields: string[]];

function parseEntry([, fields]: RawEntry): AuditEvent {
  const message: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) message[fields[i]!] = fields[i + 1]!;
  return { ...JSON.parse(message.event!), hash: message.hash! };
}

const isBusyGroup = (err: unknown) => err instanceof Error && err.message.startsWith("BUSYGROUP");
const isNoGroup = (err: unknown) => err instanceof Error && err.message.startsWith("NOGROUP");

export class OutboxGroup {
  /** Streams known to have the group. */
  private readonly groups = new Set<string>();

  constructor(private readonly client: WebhookRedisClient) {}

  /** Creates the group, reading after `fromId`, unless it exists. */
  async ensure(username: string, fromId: string): Promise<void> {
    const key = auditStreamKey(username);
    if (this.groups.has(key)) return;
    try {
      await this.client.sendCommand(["XGROUP", "CREATE", key, CONSUMER_GROUP, fromId, "MKSTREAM"]);
    } catch (err) {
      if (!isBusyGroup(err)) throw err;
    }
    this.groups.add(key);
  }

  async claimNew(consumer: string, usernames: string[], count: number) {
    // A user watched before this process started has its group already: "$" only matters
    // if the group was lost, and then history is not replayed.
    for (const username of usernames) await this.ensure(username, "$");
    const batches: OutboxBatch[] = [];
    for (let i = 0; i < usernames.length; i += STREAMS_PER_READ) {
      const keys = usernames.slice(i, i + STREAMS_PER_READ).map(auditStreamKey);
      let reply: [string, RawEntry[]][] | null;
      try {
        reply = (await this.client.sendCommand([
          "XREADGROUP",
          "GROUP",
          CONSUMER_GROUP,
          consumer,
          "COUNT",
          String(count),
          "STREAMS",
          ...keys,
          ...keys.map(() => ">"),
        ])) as [string, RawEntry[]][] | null;
      } catch (err) {
        if (isNoGroup(err)) for (const key of keys) this.groups.delete(key);
        throw err;
      }
      for (const [key, entries] of reply ?? [])
        if (entries.length > 0)
          batches.push({ username: usernameOfStream(key), events: entries.map(parseEntry) });
    }
    return batches;
  }

  async claimAbandoned(
    consumer: string,
    username: string,
    minIdleMs: number,
    count: number,
  ): Promise<AuditEvent[]> {
    const reply = (await this.client.sendCommand([
      "XAUTOCLAIM",
      auditStreamKey(username),
      CONSUMER_GROUP,
      consumer,
      String(minIdleMs),
      "0-0",
      "COUNT",
      String(count),
    ])) as [string, (RawEntry | null)[], string[]?];
    return reply[1].filter((e): e is RawEntry => Array.isArray(e)).map(parseEntry);
  }

  async forgetIdle(username: string, idleMs: number): Promise<void> {
    const key = auditStreamKey(username);
    const consumers = (await this.client
      .sendCommand(["XINFO", "CONSUMERS", key, CONSUMER_GROUP])
      .catch(() => [])) as string[][];
    for (const flat of consumers) {
      const info: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) info[flat[i]!] = String(flat[i + 1]);
      // A consumer with pending entries keeps them until they are claimed: never dropped here.
      if (Number(info.pending) === 0 && Number(info.idle) >= idleMs && info.name)
        await this.client.sendCommand(["XGROUP", "DELCONSUMER", key, CONSUMER_GROUP, info.name]);
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
