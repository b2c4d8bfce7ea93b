/**
 * Reads across many users' keys (XREADGROUP over their streams, a look at their audit
 * heads) name several keys in one call. On one Redis any keys may share a call; on a
 * cluster only keys of one slot, so a call covers mostly one user.
 */
import { keySlot } from "../../arbiter/index.js";

/** `keys` in groups that one call may name: one slot on a cluster, at most `perCall` each. */
export function groupBySlot(keys: string[], cluster: boolean, perCall: number): string[][] {
  const bySlot = new Map<number, string[]>();
  for (const key of keys) {
    const slot = cluster ? keySlot(key) : 0;
    const group = bySlot.get(slot) ?? [];
    group.push(key);
    bySlot.set(slot, group);
  }
  const calls: string[][] = [];
  for (const group of bySlot.values())
    for (let i = 0; i < group.length; i += perCall) calls.push(group.slice(i, i + perCall));
  return calls;
}
