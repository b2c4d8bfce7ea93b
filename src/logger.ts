import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** Structured JSON logs. Credentials are redacted wherever they could appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
    destination,
  );
}
