/**
 * Record ids ordered by start, then id: the memory twin of a Redis sorted set scored by
 * start (ZRANGEBYSCORE orders equal scores by member, bytewise). A read of a range costs
 * a binary search plus the entries in it, not the calendar's size.
 */
interface Entry {
  start: number;
  id: string;
}

const before = (a: Entry, start: number, id: string) =>
  a.start < start || (a.start === start && a.id < id);

export class StartIndex {
  private readonly entries: Entry[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(start: number, id: string): void {
    const i = this.lowerBound(start, id);
    const at = this.entries[i];
    if (at && at.start === start && at.id === id) return;
    this.entries.splice(i, 0, { start, id });
  }

  remove(start: number, id: string): void {
    const i = this.lowerBound(start, id);
    const at = this.entries[i];
    if (at && at.start === start && at.id === id) this.entries.splice(i, 1);
  }

  /** Ids whose start is in [from, to) (or (from, to) with `fromExclusive`), in order. */
  between(from: number, to: number, fromExclusive = false): string[] {
    const out: string[] = [];
    const first = fromExclusive ? this.firstAfter(from) : this.lowerBound(from, "");
    for (let i = first; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.start >= to) break;
      out.push(e.id);
    }
    return out;
  }

  /** The id with the greatest (start, id) below `start`, if any. */
  lastBefore(start: number): string | undefined {
    return this.entries[this.lowerBound(start, "") - 1]?.id;
  }

  /** The position of the first entry at or after (start, id). */
  private lowerBound(start: number, id: string): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid]!, start, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The position of the first entry whose start is greater than `start`. */
  private firstAfter(start: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.start <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
