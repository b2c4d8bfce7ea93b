/**
 * Record ids ordered by start, then id: the memory twin of a Redis sorted set scored by
 * start (ZRANGEBYSCORE orders equal scores by member, bytewise). A read of a range costs
 * a binary search plus the entries in it, and a change a binary search plus one chunk,
 * not the calendar's size: entries are kept in sorted chunks of at most MAX_CHUNK (one
 * sorted array would move half of a large calendar's entries at every insertion).
 */
interface Entry {
  start: number;
  id: string;
}

const MAX_CHUNK = 512;

const before = (a: Entry, start: number, id: string) =>
  a.start < start || (a.start === start && a.id < id);

/** A place in the index: chunk `c`, position `i` in it (i may be the chunk's length). */
interface Position {
  c: number;
  i: number;
}

export class StartIndex {
  private readonly chunks: Entry[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(start: number, id: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([{ start, id }]);
      this.count = 1;
      return;
    }
    // Past every entry: appended to the last chunk.
    const at = this.find((e) => !before(e, start, id));
    const c = Math.min(at.c, this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const i = at.c < this.chunks.length ? at.i : chunk.length;
    const found = chunk[i];
    if (found && found.start === start && found.id === id) return;
    chunk.splice(i, 0, { start, id });
    this.count += 1;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  remove(start: number, id: string): void {
    const { c, i } = this.find((e) => !before(e, start, id));
    const chunk = this.chunks[c];
    const found = chunk?.[i];
    if (!chunk || !found || found.start !== start || found.id !== id) return;
    chunk.splice(i, 1);
    this.count -= 1;
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  /** Ids whose start is in [from, to) (or (from, to) with `fromExclusive`), in order. */
  between(from: number, to: number, fromExclusive = false): string[] {
    const out: string[] = [];
    let { c, i } = fromExclusive
      ? this.find((e) => e.start > from)
      : this.find((e) => e.start >= from);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) {
        const e = chunk[i]!;
        if (e.start >= to) return out;
        out.push(e.id);
      }
    }
    return out;
  }

  /** The id with the greatest (start, id) below `start`, if any. */
  lastBefore(start: number): string | undefined {
    const { c, i } = this.find((e) => e.start >= start);
    if (i > 0) return this.chunks[c]![i - 1]!.id;
    return this.chunks[c - 1]?.at(-1)?.id;
  }

  /**
   * The first position whose entry satisfies `atOrAfter` (monotone over the order):
   * a chunk found by bisection over the chunks' last entries, then bisection within it.
   * Past every entry: the position after the last chunk, { c: chunks.length, i: 0 }.
   */
  private find(atOrAfter: (e: Entry) => boolean): Position {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (atOrAfter(this.chunks[mid]!.at(-1)!)) hi = mid;
      else lo = mid + 1;
    }
    const chunk = this.chunks[lo];
    if (!chunk) return { c: lo, i: 0 };
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (atOrAfter(chunk[mid]!)) b = mid;
      else a = mid + 1;
    }
    return { c: lo, i: a };
  }
}
