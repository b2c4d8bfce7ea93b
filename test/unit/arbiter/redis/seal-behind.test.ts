/**
 * SealBehind hands each user's pending audit events to one seal at a time; a list handed
 * over while a seal runs is sealed by that run's next call, and one handed over once the
 * run has looked for the last time starts a run of its own — never lost in between.
 */
import { expect, it } from "vitest";
import type { PendingAudit } from "../../../../src/arbiter/redis/audit-seal.js";
import type { Client } from "../../../../src/arbiter/redis/client.js";
import { SealBehind } from "../../../../src/arbiter/redis/seal-behind.js";
import { GENESIS_HASH } from "../../../../src/audit/index.js";

const event = (seq: number) =>
  JSON.stringify({
    actor: "a",
    at: 1,
    data: {},
    id: `evt_x_${seq}`,
    resource: "r",
    seq,
    type: "t",
  });
const pendingUpTo = (last: number): PendingAudit => ({
  seq: 0,
  hash: GENESIS_HASH,
  events: Array.from({ length: last }, (_, i) => event(i + 1)),
});

/** A client that records its seal calls; the first one's reply is `first`. */
function fakeClient(first: Promise<string>) {
  const calls: string[][] = [];
  const client = {
    sealAudit: (_keys: string[], args: string[]) => {
      calls.push(args);
      return calls.length === 1 ? first : Promise.resolve(String(calls.length));
    },
  } as unknown as Client;
  return { client, calls };
}

it("seals a list handed over in the very turn the run ends", async () => {
  let reply!: (seq: string) => void;
  const sealed = new Promise<string>((resolve) => {
    reply = resolve;
  });
  const { client, calls } = fakeClient(sealed);
  const seals = new SealBehind(client, (u) => ({ stream: `${u}:audit`, head: `${u}:head` }));
  seals.seal("jane", pendingUpTo(1));
  reply("1");
  // Runs right after the run's own continuation (registered on the same promise first).
  await sealed;
  seals.seal("jane", pendingUpTo(2));
  await seals.drain();
  expect(calls).toHaveLength(2);
  // The second call seals through event 2 (five arguments per event).
  expect(calls[1]![5]).toBe("2");
});
