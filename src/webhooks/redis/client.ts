/** The webhooks' Redis connection, with their Lua scripts (EVALSHA, reloaded on NOSCRIPT). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { createClient, defineScript } from "redis";
import { PACKAGE_ROOT } from "../../paths.js";

/** Resolved from the package root: the scripts ship in src/, the compiled JS runs from dist/. */
const LUA_DIR = path.join(PACKAGE_ROOT, "src", "webhooks", "redis", "lua");

function script(name: string) {
  return defineScript({
    SCRIPT: readFileSync(path.join(LUA_DIR, `${name}.lua`), "utf8"),
    NUMBER_OF_KEYS: Number(name.split("-").at(-1)),
    parseCommand(parser, keys: string[], args: string[]) {
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
  };
}

export function connectWebhookClient(url: string) {
  const client = createClient({
    url,
    scripts: webhookScripts(),
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
  });
  // Errors surface on the commands that hit them; the listener keeps them from crashing us.
  client.on("error", () => {});
  return client;
}

export type WebhookRedisClient = ReturnType<typeof connectWebhookClient>;
