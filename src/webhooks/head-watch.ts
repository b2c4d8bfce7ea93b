/**
 * Long polls wait for a user's audit chain to grow. One watch per user per process
 * reads the chain's head and wakes every poll waiting on it, so N polls for one user
 * cost one head read per interval, not N.
 */
import type { Store } from "../arbiter/index.js";

const HEAD_CHECK_MS = 100;

interface Waiter {
  after: number;
  wake(moved: boolean): void;
}

interface UserWatch {
  waiters: Set<Waiter>;
  timer: NodeJS.Timeout | undefined;
}

export class AuditHeadWatch {
  private readonly users = new Map<string, UserWatch>();

  constructor(
    private readonly store: Pick<Store, "auditHead">,
    private readonly intervalMs = HEAD_CHECK_MS,
  ) {}

  /** Users watched now (one head read per interval each). */
  get watchedUsers(): number {
    return this.users.size;
  }

  /**
   * Resolves true once the user's head seq is past `after`; false after `waitMs` or
   * when `signal` aborts, whichever comes first.
   */
  waitPast(username: string, after: number, waitMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let watch = this.users.get(username);
      if (!watch) {
        watch = { waiters: new Set(), timer: undefined };
        this.users.set(username, watch);
      }
      const w = watch;
      const done = (moved = false) => {
        clearTimeout(timeout);
        signal.removeEventListener("abort", aborted);
        w.waiters.delete(waiter);
        if (w.waiters.size === 0) this.unwatch(username, w);
        resolve(moved);
      };
      const waiter: Waiter = { after, wake: done };
      const timeout = setTimeout(() => done(), Math.max(0, waitMs));
      const aborted = () => done();
      if (signal.aborted) {
        done();
        return;
      }
      signal.addEventListener("abort", aborted, { once: true });
      w.waiters.add(waiter);
      if (w.timer === undefined) this.schedule(username, w);
    });
  }

  private schedule(username: string, watch: UserWatch): void {
    watch.timer = setTimeout(() => void this.check(username, watch), this.intervalMs);
  }

  private async check(username: string, watch: UserWatch): Promise<void> {
    let seq: number | undefined;
    try {
      seq = (await this.store.auditHead(username)).seq;
    } catch {
      // The store is away: polls keep waiting until their deadline; try again next tick.
    }
    if (seq !== undefined) for (const w of [...watch.waiters]) if (seq > w.after) w.wake(true);
    if (this.users.get(username) === watch && watch.waiters.size > 0)
      this.schedule(username, watch);
    else watch.timer = undefined;
  }

  private unwatch(username: string, watch: UserWatch): void {
    clearTimeout(watch.timer);
    watch.timer = undefined;
    if (this.users.get(username) === watch) this.users.delete(username);
  }
}
