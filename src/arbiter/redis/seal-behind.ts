/**
 * Sealing a commit's audit events behind its answer. The commit script has appended the
 * events with their sequence numbers, in the same atomic step as the booking; sealing
 * (`prev_hash`, `hash`) is a second step that any process, and every reader first, may
 * run (see audit-seal.ts). So the answer need not wait for it: the events are durable and
 * readers seal before they read. Per user, one seal is in flight at a time; what further
 * commits leave pending meanwhile is sealed by one next call (the newest pending list
 * covers the earlier ones), so a busy calendar costs fewer seals than commits.
 */
import { type ChainKeys, type PendingAudit, sealArguments } from "./audit-seal.js";
import type { Client } from "./client.js";

interface UserSeals {
  /** The newest pending list handed over while a seal was in flight. */
  next?: PendingAudit;
  done: Promise<void>;
}

const lastSeq = (p: PendingAudit) => p.seq + p.events.length;

export class SealBehind {
  private readonly users = new Map<string, UserSeals>();

  constructor(
    private readonly client: Client,
    private readonly keysOf: (username: string) => ChainKeys,
  ) {}

  /** Seals `pending` soon; returns at once. A failure leaves the events to the next sealer. */
  seal(username: string, pending: PendingAudit): void {
    if (pending.events.length === 0) return;
    const busy = this.users.get(username);
    if (busy) {
      if (!busy.next || lastSeq(pending) > lastSeq(busy.next)) busy.next = pending;
      return;
    }
    const state: UserSeals = { done: Promise.resolve() };
    this.users.set(username, state);
    state.done = this.run(username, pending, state);
  }

  /** Resolves once every seal handed over so far has been tried (before closing). */
  async drain(): Promise<void> {
    while (this.users.size > 0) await Promise.all([...this.users.values()].map((s) => s.done));
  }

  private async run(username: string, first: PendingAudit, state: UserSeals): Promise<void> {
    const keys = this.keysOf(username);
    let pending: PendingAudit | undefined = first;
    try {
      while (pending) {
        const args = sealArguments(pending);
        let sealedSeq = -1;
        try {
          sealedSeq = Number(await this.client.sealAudit([keys.stream, keys.head], args));
        } catch {
          // Unsealed events wait for the next writer or reader of this chain, as after a crash.
        }
        const next: PendingAudit | undefined = state.next;
        state.next = undefined;
        pending = next && trimSealed(next, pending, args, sealedSeq);
      }
    } finally {
      // In the same step as the last look at `state.next`: a list handed over from now on
      // starts a run of its own instead of waiting on one that has ended (a `.finally` on
      // the run's promise would leave a turn in between, and the list would never be sealed).
      if (this.users.get(username) === state) this.users.delete(username);
    }
  }
}

/**
 * `next` without the events the last call sealed, when their hashes are known from its
 * arguments (seq, text, prev_hash, sealed text, hash per event), so they are not hashed
 * again; `next` unchanged otherwise (the script skips what is sealed already).
 */
function trimSealed(
  next: PendingAudit,
  sealedList: PendingAudit,
  args: string[],
  sealedSeq: number,
): PendingAudit | undefined {
  if (lastSeq(next) <= sealedSeq) return undefined;
  if (sealedSeq <= next.seq || sealedSeq <= sealedList.seq || sealedSeq > lastSeq(sealedList))
    return next;
  const hash = args[(sealedSeq - sealedList.seq - 1) * 5 + 4];
  if (hash === undefined) return next;
  return { seq: sealedSeq, hash, events: next.events.slice(sealedSeq - next.seq) };
}
