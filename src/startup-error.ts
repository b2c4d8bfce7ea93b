/**
 * The node cannot start (port taken, Redis unreachable): `calendario serve` prints the
 * message and exits 1, after closing whatever it had opened.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartupError";
  }
}
