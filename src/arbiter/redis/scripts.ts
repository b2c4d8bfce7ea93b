/**
 * The arbiter's Lua scripts, loaded once and run with EVALSHA (node-redis falls back to
 * EVAL, which reloads the script, when Redis answers NOSCRIPT after a restart or a
 * SCRIPT FLUSH).
 */
import { defineScript } from "redis";
import { loadLuaScript } from "./lua-lib.js";

export const SCRIPT_NAMES = [
  "hold-15",
  "commit-15",
  "release-hold-15",
  "cancel-booking-15",
  "record-16",
  "arb-enter-15",
  "arb-settle-15",
  "decide-counter-16",
  "delete-user-22",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

function define(name: ScriptName) {
  const numberOfKeys = Number(name.split("-").at(-1));
  return defineScript({
    SCRIPT: loadLuaScript(name),
    NUMBER_OF_KEYS: numberOfKeys,
    parseCommand(parser, keys: string[], args: string[]) {
      for (const key of keys) parser.pushKey(key);
      for (const arg of args) parser.push(arg);
    },
    transformReply: (reply: unknown) => reply as never,
  });
}

export function arbiterScripts() {
  return {
    hold: define("hold-15"),
    commit: define("commit-15"),
    releaseHold: define("release-hold-15"),
    cancelBooking: define("cancel-booking-15"),
    record: define("record-16"),
    arbEnter: define("arb-enter-15"),
    arbSettle: define("arb-settle-15"),
    decideCounter: define("decide-counter-16"),
    deleteUser: define("delete-user-22"),
  };
}

export type ArbiterScripts = ReturnType<typeof arbiterScripts>;
