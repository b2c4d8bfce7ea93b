/**
 * Audit chains with events a writer appended but has not sealed. The outbox reads only
 * sealed stream entries, and a commit is sealed behind its answer: when the process dies
 * in between, its events stay pending until someone seals them. This finds them, reading
 * the head hashes (see audit_append in the arbiter's lua/core/common.lua): one HMGET per
 * user, and for the few with pending events one HGET of the oldest one's text. Each
 * command names one user's key, so it runs on a cluster unchanged.
 */
import type { WebhookRedisClient } from "./client.js";
import { auditHeadKey } from "./keys.js";

/** Commands in flight at once (node-redis pipelines them on each connection). */
const READS_IN_FLIGHT = 500;

/** The time (`at`, ms) of the oldest unsealed event of each user's chain that has one. */
export async function unsealedSince(
  client: WebhookRedisClient,
  usernames: string[],
): Promise<Map<string, number>> {
  const since = new Map<string, number>();
  for (let i = 0; i < usernames.length; i += READS_IN_FLIGHT) {
    const chunk = usernames.slice(i, i + READS_IN_FLIGHT);
    const found = await Promise.all(chunk.map((username) => oldestPendingAt(client, username)));
    chunk.forEach((username, n) => {
      const at = found[n];
      if (at !== undefined) since.set(username, at);
    });
  }
  return since;
}

async function oldestPendingAt(
  client: WebhookRedisClient,
  username: string,
): Promise<number | undefined> {
  const key = auditHeadKey(username);
  const [seq, last] = (await client.hmGet(key, ["seq", "last"])).map((v) => Number(v ?? 0));
  if (!(last! > seq!)) return undefined;
  const text = await client.hGet(key, `p:${seq! + 1}`);
  // Sealed meanwhile: nothing is pending from this read's point of view.
  if (text == null) return undefined;
  try {
    const at = (JSON.parse(text) as { at?: unknown }).at;
    return typeof at === "number" ? at : 0;
  } catch {
    return 0;
  }
}
