/**
 * The memory twin's start index answers range reads in the order of a Redis sorted set
 * scored by start (ties: member bytewise), against a brute-force reading of the same ids.
 */
import { describe, expect, it } from "vitest";
import { StartIndex } from "../../../../src/arbiter/memory/start-index.js";

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

const byStartThenId = (a: { start: number; id: string }, b: { start: number; id: string }) =>
  a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe("StartIndex", () => {
  it("keeps ids by start then id, once each, and forgets removed ones", () => {
    const index = new StartIndex();
    index.add(20, "b");
    index.add(10, "z");
    index.add(20, "a");
    index.add(20, "a");
    expect(index.size).toBe(3);
    expect(index.between(0, 100)).toEqual(["z", "a", "b"]);
    index.remove(20, "a");
    index.remove(20, "missing");
    index.remove(10, "b");
    expect(index.between(0, 100)).toEqual(["z", "b"]);
  });

  it("reads [from, to), (from, to) and the last id before a start", () => {
    const index = new StartIndex();
    for (const [start, id] of [
      [10, "a"],
      [20, "b"],
      [20, "c"],
      [30, "d"],
    ] as const)
      index.add(start, id);
    expect(index.between(20, 30)).toEqual(["b", "c"]);
    expect(index.between(20, 31, true)).toEqual(["d"]);
    expect(index.between(19, 20, true)).toEqual([]);
    expect(index.lastBefore(20)).toBe("a");
    expect(index.lastBefore(21)).toBe("c");
    expect(index.lastBefore(10)).toBeUndefined();
  });

  it("agrees with a brute-force reading after random adds and removes", () => {
    const next = random(7);
    const index = new StartIndex();
    const kept = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      const id = `id${Math.floor(next() * 400)}`;
      const start = Math.floor(next() * 200);
      if (kept.has(id) && next() < 0.5) {
        index.remove(kept.get(id)!, id);
        kept.delete(id);
      } else if (!kept.has(id)) {
        index.add(start, id);
        kept.set(id, start);
      }
      const from = Math.floor(next() * 220) - 10;
      const to = from + Math.floor(next() * 60);
      const all = [...kept].map(([i, s]) => ({ id: i, start: s })).sort(byStartThenId);
      expect(index.between(from, to)).toEqual(
        all.filter((r) => r.start >= from && r.start < to).map((r) => r.id),
      );
      expect(index.between(from, to, true)).toEqual(
        all.filter((r) => r.start > from && r.start < to).map((r) => r.id),
      );
      expect(index.lastBefore(from)).toBe(all.filter((r) => r.start < from).at(-1)?.id);
    }
    expect(index.size).toBe(kept.size);
  });
});
