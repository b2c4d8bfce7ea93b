import { type DestinationStream, destination } from "pino";

/**
 * A log destination that gathers the lines written during one turn of the event loop
 * and hands them to the sink in one write when the turn's I/O callbacks are done
 * (`setImmediate`), instead of one write syscall per line. A line is out of the process
 * in the same turn as the answer it describes, before the node reads anything further;
 * what is pending is written before the process exits (`exit`) and on `flush`. So a
 * crash loses no line, and a SIGKILL can only land before the lines of answers sent in
 * that same turn, microseconds earlier.
 */
export class TurnBatchedDestination implements DestinationStream {
  private pending = "";

  constructor(private readonly sink: DestinationStream) {}

  write(line: string): void {
    if (this.pending === "") setImmediate(this.flushPending);
    this.pending += line;
  }

  /** Writes what is pending now (pino's `logger.flush`; at shutdown). */
  flush(cb?: (err?: Error) => void): void {
    try {
      this.flushPending();
      cb?.();
    } catch (err) {
      cb?.(err as Error);
    }
  }

  readonly flushPending = (): void => {
    if (this.pending === "") return;
    const lines = this.pending;
    this.pending = "";
    this.sink.write(lines);
  };
}

let stdout: TurnBatchedDestination | undefined;

/**
 * The process's one stdout destination, shared by every logger (tests build many):
 * synchronous writes (pino's `sync: true`, retrying when the pipe is full), batched per
 * turn, and written out when the process exits.
 */
export function stdoutDestination(): TurnBatchedDestination {
  if (stdout) return stdout;
  const out = new TurnBatchedDestination(destination({ dest: 1, sync: true }));
  process.on("exit", out.flushPending);
  stdout = out;
  return out;
}
