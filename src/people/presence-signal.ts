/**
 * A nudge, within this node process, that a user's presence changed: watchers wake at
 * once instead of at their next poll. Changes made by other processes, and entries
 * fading, are seen by the poll.
 */
import { EventEmitter } from "node:events";

export class PresenceSignal {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open inbox stream: many is normal.
    this.emitter.setMaxListeners(0);
  }

  changed(username: string): void {
    this.emitter.emit(username);
  }

  on(username: string, listener: () => void): () => void {
    this.emitter.on(username, listener);
    return () => this.emitter.off(username, listener);
  }
}
