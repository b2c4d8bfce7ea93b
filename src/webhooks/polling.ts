/**
 * Polling, for agents that cannot receive webhooks: the subscriber's events after a
 * cursor, in order, as webhook envelopes. The cursor is the seq of the last event looked
 * at, so events the caller may not see are skipped once, not re-read. A long poll waits
 * for the chain's head to move.
 */
import type { Store } from "../arbiter/index.js";
import { visibleTo } from "./catalogue.js";
import { envelopeOf, type WebhookEnvelope } from "./envelope.js";
import { bookingOwnerLookup } from "./outbox.js";

export const MAX_WAIT_MS = 30_000;
/** Audit events looked at per request, whatever the caller may see of them. */
const SCAN_LIMIT = 5_000;
const READ_CHUNK = 500;
const HEAD_CHECK_MS = 100;

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
 * readEvents, waiting up to `waitMs` for a first event. Ends early, empty, when `signal`
 * aborts (the client left, or the node is stopping).
 */
export async function waitForEvents(
  store: Store,
  who: { username: string; agentId: string | null },
  after: number,
  limit: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<EventsPage> {
  const deadline = performance.now() + Math.min(waitMs, MAX_WAIT_MS);
  let page = await readEvents(store, who, after, limit);
  while (page.events.length === 0 && !signal.aborted && performance.now() < deadline) {
    await pause(Math.min(HEAD_CHECK_MS, deadline - performance.now()), signal);
    if ((await store.auditHead(who.username)).seq > page.cursor)
      page = await readEvents(store, who, page.cursor, limit);
  }
  return page;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
  });
}
