/**
 * Mentions and suggestions as the store keeps them: JSON records beside the calendar,
 * each change written with its audit event in one step (Store.putPersonRecord), so the
 * agent hears of it through the same outbox and `/v1/events` as of its bookings.
 */
import type { PersonRecordKind, Store } from "../arbiter/index.js";
import { StoreUnavailableError } from "../errors.js";

export interface Stored<T> {
  value: T;
  /** The record as read: what a compare-and-set expects. */
  raw: string;
}

export async function readRecord<T>(
  store: Store,
  username: string,
  kind: PersonRecordKind,
  id: string,
): Promise<Stored<T> | null> {
  const raw = await store.getPersonRecord(username, kind, id);
  return raw === null ? null : { value: JSON.parse(raw) as T, raw };
}

export async function readRecords<T>(
  store: Store,
  username: string,
  kind: PersonRecordKind,
): Promise<T[]> {
  return (await store.listPersonRecords(username, kind)).map((raw) => JSON.parse(raw) as T);
}

/** A new record: its id is fresh, so a collision means the store misbehaves. */
export async function createRecord(
  store: Store,
  username: string,
  kind: PersonRecordKind,
  id: string,
  value: unknown,
  event: { type: string; actor: string; data: Record<string, unknown> },
): Promise<string> {
  const out = await store.putPersonRecord({
    username,
    kind,
    id,
    value: JSON.stringify(value),
    expected: null,
    event: { ...event, resource: id },
  });
  if (out.status !== "recorded") throw new StoreUnavailableError(`${kind} ${id} already exists`);
  return out.auditRef;
}

/** Replaces a record as it was read; false when another change came first. */
export async function replaceRecord(
  store: Store,
  username: string,
  kind: PersonRecordKind,
  id: string,
  read: string,
  value: unknown,
  event: { type: string; actor: string; data: Record<string, unknown> },
): Promise<boolean> {
  const out = await store.putPersonRecord({
    username,
    kind,
    id,
    value: JSON.stringify(value),
    expected: read,
    event: { ...event, resource: id },
  });
  return out.status === "recorded";
}
