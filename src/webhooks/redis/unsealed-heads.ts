/**
 * Audit chains with events a writer appended but has not sealed. The outbox reads only
 * sealed stream entries, and a commit is sealed behind its answer: when the process dies
 * in between, its events stay pending until someone seals them. One script call reads
 * many heads (unsealed-heads-n.lua): on one Redis up to HEADS_PER_CALL users a call; on a
 * cluster those of one slot, mostly one user.
 */
import { isCluster } from "../../arbiter/index.js";
import type { WebhookRedisClient } from "./client.js";
import { auditHeadKey, usernameOfStream } from "./keys.js";
import { groupBySlot } from "./slot-groups.js";

const HEADS_PER_CALL = 200;
/** Calls in flight at once (node-redis pipelines them on each connection). */
const CALLS_IN_FLIGHT = 32;

/** The time (`at`, ms) of the oldest unsealed event of each user's chain that has one. */
export async function unsealedSince(
  client: WebhookRedisClient,
  usernames: string[],
): Promise<Map<string, number>> {
  const calls = groupBySlot(usernames.map(auditHeadKey), isCluster(client), HEADS_PER_CALL);
  const since = new Map<string, number>();
  for (let i = 0; i < calls.length; i += CALLS_IN_FLIGHT) {
    const batch = calls.slice(i, i + CALLS_IN_FLIGHT);
    const replies = await Promise.all(
      batch.map((keys) => client.unsealedHeads(keys, []) as Promise<(number | string)[]>),
    );
    replies.forEach((found, n) => {
      for (let j = 0; j + 1 < found.length; j += 2) {
        const key = batch[n]![Number(found[j]) - 1]!;
        since.set(usernameOfStream(key), timeOf(String(found[j + 1])));
      }
    });
  }
  return since;
}

/** An event's `at`; 0 (long ago: sealed at once) when its text cannot be read. */
function timeOf(text: string): number {
  try {
    const at = (JSON.parse(text) as { at?: unknown }).at;
    return typeof at === "number" ? at : 0;
  } catch {
    return 0;
  }
}
