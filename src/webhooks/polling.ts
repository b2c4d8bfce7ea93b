/**
 * Polling, for agents that cannot receive webhooks: the subscriber's events after a
 * cursor, in order, as webhook envelopes. The cursor is the seq of the last event looked
 * at, so events the caller may not see are skipped once, not re-read. A long poll waits
 * for the chain's head to move.
 */
import type { Store } from "../arbiter/index.js";
import { visibleTo } from "./catalogue.js";
import { envelopeOf, type WebhookEnvelope } from "./envelope.js";
import type { AuditHeadWatch } from "./head-watch.js";
import { bookingOwnerLookup } from "./outbox.js";

export const MAX_WAIT_MS = 30_000;
/** Audit events looked at per request, whatever the caller may see of them. */
const SCAN_LIMIT = 5_000;
const READ_CHUNK = 500;

export interface EventsPage {
  events: WebhookEnvelope[];
  /** The seq to pass as `after` next time. */
  cursor: number;
  /** More events are already there. */
  hasMore: boolean;
}

export async function readEvents(
  store: Store,
  who: { username: string; agentId: string | null },
  after: number,
  limit: number,
): Promise<EventsPage> {
  const ownerOf = bookingOwnerLookup(store, who.username);
  const events: WebhookEnvelope[] = [];
  let cursor = after;
  for (let scanned = 0; scanned < SCAN_LIMIT; ) {
    const chunk = await store.readAudit(who.username, { afterSeq: cursor, limit: READ_CHUNK });
    for (const event of chunk) {
      if (visibleTo(event, who.agentId, await ownerOf(event)))
        events.push(envelopeOf(who.username, event));
      cursor = event.seq;
      if (events.length >= limit) break;
    }
    scanned += chunk.length;
    if (events.length >= limit || chunk.length < READ_CHUNK) break;
  }
  const head = await store.auditHead(who.username);
  return { events, cursor, hasMore: head.seq > cursor };
}

/**
 * readEvents, waiting up to `waitMs` for a first event: the user's head watch wakes the
 * poll when the chain grows. Ends early, empty, when `signal` aborts (the client left,
 * or the node is stopping).
 */
export async function waitForEvents(
  store: Store,
  watch: AuditHeadWatch,
  who: { username: string; agentId: string | null },
  after: number,
  limit: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<EventsPage> {
  const deadline = performance.now() + Math.min(waitMs, MAX_WAIT_MS);
  let page = await readEvents(store, who, after, limit);
  while (page.events.length === 0 && !signal.aborted && performance.now() < deadline) {
    const before = page.cursor;
    if (!(await watch.waitPast(who.username, before, deadline - performance.now(), signal))) break;
    page = await readEvents(store, who, before, limit);
  }
  return page;
}
