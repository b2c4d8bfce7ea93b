import { type DestinationStream, type Logger, pino, symbols } from "pino";
import { stdoutDestination } from "./log-destination.js";

export type { Logger };

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear. By default
 * lines go to stdout as they happen: synchronously, the lines of one event-loop turn in
 * one write at its end (`log-destination.ts`), so a newcomer sees the node start and a
 * crash loses no line (the cost is in `npm run bench -- profile-get-logged`).
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
    stream ?? stdoutDestination(),
  );
}

/** Writes out what the logger still holds (at shutdown). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** pino's numeric levels, as they appear in a line's `level`. */
export const LEVEL = { info: 30, warn: 40 } as const;

/**
 * Writes lines in the logger's own format (`level`, `time`, its bindings, the fields,
 * `msg`) straight to its destination, skipping pino's general serializer: for the one
 * line every request writes. The caller passes fields already serialized as JSON members
 * (`,"name":value…`) and vouches that none needs redaction.
 */
export interface LineWriter {
  /** Whether lines at this level are written now (the logger's level may change). */
  enabled(level: number): boolean;
  write(level: number, members: string, msg: string): void;
}

export function lineWriter(logger: Logger): LineWriter {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[symbols.streamSym]!;
  const bindings = (logger as unknown as Record<symbol, string>)[symbols.chindingsSym] ?? "";
  return {
    enabled: (level) => level >= logger.levelVal,
    write(level, members, msg) {
      stream.write(
        `{"level":${level},"time":${Date.now()}${bindings}${members},"msg":${JSON.stringify(msg)}}\n`,
      );
    },
  };
}
