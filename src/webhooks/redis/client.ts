/**
 * The webhooks' Lua scripts (EVALSHA, reloaded on NOSCRIPT), carried by the node's shared
 * Redis connection or, in tests, by a connection of their own.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { defineScript } from "redis";
import {
  assertOneSlot,
  connectRedis,
  type RedisClient,
  type RedisTarget,
} from "../../arbiter/index.js";
import { PACKAGE_ROOT } from "../../paths.js";

/** Resolved from the package root: the scripts ship in src/, the compiled JS runs from dist/. */
const LUA_DIR = path.join(PACKAGE_ROOT, "src", "webhooks", "redis", "lua");

/**
 * `<name>-<count>.lua` takes that many keys, all in one slot (refused before sending
 * otherwise). `<name>-n.lua` takes any number: a read across users, whose caller groups
 * the keys by slot on a cluster (Redis Cluster refuses a call spanning slots itself).
 */
function script(name: string) {
  const count = name.split("-").at(-1)!;
  const anyKeys = count === "n";
  return defineScript({
    SCRIPT: readFileSync(path.join(LUA_DIR, `${name}.lua`), "utf8"),
    NUMBER_OF_KEYS: anyKeys ? undefined : Number(count),
    parseCommand(parser, keys: string[], args: string[]) {
      if (anyKeys) parser.push(String(keys.length));
      else assertOneSlot(name, keys);
      for (const key of keys) parser.pushKey(key);
      for (const arg of args) parser.push(arg);
    },
    transformReply: (reply: unknown) => reply as never,
  });
}

/** The webhooks' scripts, for a connection of their own or the node's shared one. */
export function webhookScripts() {
  return {
    persistDeliveries: script("persist-deliveries-5"),
    takeReady: script("take-ready-4"),
    saveDelivery: script("save-delivery-4"),
    renewLease: script("lease-renew-1"),
    releaseLease: script("lease-release-1"),
    outboxFloor: script("outbox-floor-1"),
    updateSubscription: script("update-subscription-1"),
    unsealedHeads: script("unsealed-heads-n"),
  };
}

export type WebhookScripts = ReturnType<typeof webhookScripts>;
export type WebhookRedisClient = RedisClient<WebhookScripts>;

/** A connection of the webhooks' own (to one Redis or a cluster), with their scripts. */
export function connectWebhookClient(
  target: RedisTarget | string,
  replyTimeoutMs = 5000,
): Promise<WebhookRedisClient> {
  return connectRedis(target, replyTimeoutMs, webhookScripts());
}
