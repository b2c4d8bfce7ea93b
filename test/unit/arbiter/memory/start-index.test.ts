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

  it("stays ordered as it grows past one chunk and shrinks back to empty", () => {
    const index = new StartIndex();
    // Inserted out of order, in the middle, at both ends.
    const starts = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3000);
    for (const s of starts) index.add(s, `b${s}`);
    expect(index.size).toBe(3000);
    expect(index.between(0, 3000)).toEqual(Array.from({ length: 3000 }, (_, i) => `b${i}`));
    expect(index.lastBefore(1500)).toBe("b1499");
    expect(index.between(2999, 5000, true)).toEqual([]);
    for (const s of starts) if (s % 1000 !== 0) index.remove(s, `b${s}`);
    expect(index.between(-1, 5000)).toEqual(["b0", "b1000", "b2000"]);
    expect(index.lastBefore(1000)).toBe("b0");
    for (const s of [0, 1000, 2000]) index.remove(s, `b${s}`);
    expect(index.size).toBe(0);
    expect(index.between(-1, 5000)).toEqual([]);
    expect(index.lastBefore(5000)).toBeUndefined();
    index.add(5, "again");
    expect(index.between(0, 10)).toEqual(["again"]);
  });

  it.each([
    { ids: 400, starts: 200, steps: 3000 },
    // Thousands of entries: chunks split as they fill and go when emptied.
    { ids: 4000, starts: 3000, steps: 12000 },
  ])(
    "agrees with a brute-force reading after random adds and removes ($ids ids)",
    ({ ids, starts, steps }) => {
      const next = random(7);
      const index = new StartIndex();
      const kept = new Map<string, number>();
      for (let step = 0; step < steps; step++) {
        const id = `id${Math.floor(next() * ids)}`;
        const start = Math.floor(next() * starts);
        if (kept.has(id) && next() < 0.5) {
          index.remove(kept.get(id)!, id);
          kept.delete(id);
        } else if (!kept.has(id)) {
          index.add(start, id);
          kept.set(id, start);
        }
        if (step % 10 !== 0 && step < steps - 1) continue;
        const from = Math.floor(next() * (starts + 20)) - 10;
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
    },
  );
});
