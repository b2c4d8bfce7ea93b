import { type DestinationStream, destination, type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear. By default
 * each line is written to stdout as it happens (synchronously): a newcomer sees the node
 * start, and a crash or SIGKILL loses no line (the cost is in `npm run bench --
 * profile-get-logged`).
 */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "calendario-node" },
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "authorization",
          "apiKey",
          "api_key",
          "secret",
          "adminToken",
        ],
        censor: "[redacted]",
      },
    },
    stream ?? destination({ dest: 1, sync: true }),
  );
}

/** Writes out what the logger still buffers (at shutdown; a no-op for synchronous lines). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
