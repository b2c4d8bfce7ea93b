/**
 * Appends an event of any type to a user's audit chain through the store's own append
 * (the same atomic step, hash chain and Redis stream entry as every change), for events
 * whose writers live elsewhere — the pending bookings' `booking.confirmed` … with a
 * `callback_url`. It reaches into each store's private append: for tests only.
 */
import type { AuditEvent, Store } from "../../../src/arbiter/index.js";

interface MemoryInternals {
  calendar(username: string): {
    audit(now: number, type: string, actor: string, resource: string, data: object): string;
  };
}

interface RedisInternals {
  record(
    username: string,
    hash: string,
    field: string,
    value: string,
    event: { type: string; actor: string; resource: string; data: unknown },
  ): Promise<void>;
}

let written = 0;

export async function appendAuditEvent(
  store: Store,
  username: string,
  type: string,
  data: Record<string, unknown>,
  actor = "admin",
): Promise<AuditEvent> {
  const resource = String(data.booking_id ?? username);
  if (store.kind === "memory")
    (store as unknown as MemoryInternals)
      .calendar(username)
      .audit(await store.now(), type, actor, resource, data);
  else {
    written += 1;
    // A throw-away record beside the event: the record script writes one with each.
    await (store as unknown as RedisInternals).record(
      username,
      "test-events",
      String(written),
      "1",
      { type, actor, resource, data },
    );
  }
  const { seq } = await store.auditHead(username);
  const [event] = await store.readAudit(username, { afterSeq: seq - 1, limit: 1 });
  if (event?.type !== type) throw new Error(`appendAuditEvent: ${type} was not appended`);
  return event;
}
