/**
 * Redis keys of the webhooks. Per-user state carries the user's hash tag, like the
 * arbiter's keys, so each script touches one slot. Three keys are global: the users whose
 * outbox is watched, the schedule of subscriptions with deliveries due, and the index
 * from a subscription id to its user.
 */
import { userKey } from "../../arbiter/index.js";

export const WATCHED_USERS_KEY = "cal:webhooks:users";
export const DUE_KEY = "cal:webhooks:due";
export const SUBSCRIPTION_INDEX_KEY = "cal:webhooks:index";
/** The consumer group on every watched user's audit stream. */
export const CONSUMER_GROUP = "webhooks";

export const auditStreamKey = (username: string) => userKey(username, "audit");
/** The chain's head: `seq`/`hash` sealed last, `last` appended last, `p:<seq>` pending texts. */
export const auditHeadKey = (username: string) => userKey(username, "audit:head");
export const subscriptionsKey = (username: string) => userKey(username, "webhooks");

/** The keys of one subscription's queue, in the order the scripts take them. */
export function queueKeys(username: string, subscriptionId: string) {
  const k = (name: string) => userKey(username, `whk:${subscriptionId}:${name}`);
  return {
    deliveries: k("dlv"),
    ready: k("ready"),
    retry: k("retry"),
    log: k("log"),
    lease: k("lease"),
  };
}

export const dueMember = (username: string, subscriptionId: string) =>
  `${username}/${subscriptionId}`;

export function parseDueMember(member: string): { username: string; subscriptionId: string } {
  const slash = member.lastIndexOf("/");
  return { username: member.slice(0, slash), subscriptionId: member.slice(slash + 1) };
}

/** `cal:{jane}:audit` (or any other of jane's keys) → `jane`. */
export function usernameOfStream(key: string): string {
  return key.slice(key.indexOf("{") + 1, key.lastIndexOf("}"));
}

/** Stream entry ids are `<seq>-1` (see the arbiter's audit_append). */
export const entryId = (seq: number) => `${seq}-1`;
export const seqOfEntry = (id: string) => Number(id.slice(0, id.indexOf("-")));
