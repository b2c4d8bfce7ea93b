/**
 * The arbiter's Lua scripts, loaded once and run with EVALSHA (node-redis falls back to
 * EVAL, which reloads the script, when Redis answers NOSCRIPT after a restart or a
 * SCRIPT FLUSH).
 */
import { defineScript } from "redis";
import { loadLuaScript } from "./lua-lib.js";
import { assertOneSlot } from "./slots.js";

export const SCRIPT_NAMES = [
  "hold-16",
  "commit-16",
  "release-hold-16",
  "cancel-booking-16",
  "record-17",
  "arb-enter-17",
  "arb-settle-16",
  "decide-counter-17",
  "delete-user-23",
  "decide-pending-16",
  "expire-pending-16",
  "set-remote-status-16",
  "record-token-1",
  "hit-rate-limit-1",
  "server-time-1",
  "seal-audit-2",
  "agent-seen-1",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

function define(name: ScriptName) {
  const numberOfKeys = Number(name.split("-").at(-1));
  return defineScript({
    SCRIPT: loadLuaScript(name),
    NUMBER_OF_KEYS: numberOfKeys,
    parseCommand(parser, keys: string[], args: string[]) {
      assertOneSlot(name, keys);
      for (const key of keys) parser.pushKey(key);
      for (const arg of args) parser.push(arg);
    },
    transformReply: (reply: unknown) => reply as never,
  });
}

export function arbiterScripts() {
  return {
    hold: define("hold-16"),
    commit: define("commit-16"),
    releaseHold: define("release-hold-16"),
    cancelBooking: define("cancel-booking-16"),
    record: define("record-17"),
    arbEnter: define("arb-enter-17"),
    arbSettle: define("arb-settle-16"),
    decideCounter: define("decide-counter-17"),
    deleteUser: define("delete-user-23"),
    decidePending: define("decide-pending-16"),
    expirePending: define("expire-pending-16"),
    setRemoteStatus: define("set-remote-status-16"),
    recordToken: define("record-token-1"),
    hitRateLimit: define("hit-rate-limit-1"),
    serverTime: define("server-time-1"),
    agentSeen: define("agent-seen-1"),
    sealAudit: define("seal-audit-2"),
  };
}

export type ArbiterScripts = ReturnType<typeof arbiterScripts>;
