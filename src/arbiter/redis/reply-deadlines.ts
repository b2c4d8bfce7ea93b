/**
 * Reply deadlines for commands in flight, watched by one timer: every command's deadline
 * is the same span after it was sent, so they expire in the order they were watched, and
 * a sweep every `tickMs` expires the overdue ones from the front. (A timer of its own per
 * command cost the node more than its share of a commit.) A deadline fires at most one
 * tick late.
 */
export interface Watched {
  /** Settled: the reply came, or the deadline passed. */
  done: boolean;
}

interface Entry extends Watched {
  at: number;
  expire: () => void;
}

export class ReplyDeadlines {
  private queue: Entry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly tickMs: number;

  constructor(readonly timeoutMs: number) {
    this.tickMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /** Calls `expire` once the deadline passes, unless `done` was set first. */
  watch(expire: () => void): Watched {
    const entry: Entry = { done: false, at: performance.now() + this.timeoutMs, expire };
    this.queue.push(entry);
    if (this.timer === undefined) this.timer = setInterval(() => this.sweep(), this.tickMs);
    return entry;
  }

  /** How many commands are watched (settled ones may linger until the next sweep). */
  get size(): number {
    return this.queue.length - this.head;
  }

  private sweep(): void {
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const entry = q[this.head]!;
      if (!entry.done && entry.at > now) break;
      this.head++;
      if (!entry.done) {
        entry.done = true;
        entry.expire();
      }
    }
    if (this.head === q.length) {
      this.queue = [];
      this.head = 0;
      // Nothing in flight: no timer keeps the process awake.
      clearInterval(this.timer);
      this.timer = undefined;
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }
}
