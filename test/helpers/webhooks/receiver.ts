/** A webhook receiver on 127.0.0.1 that records every request, raw body included. */
import http, { type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ReceivedRequest {
  body: string;
  headers: IncomingHttpHeaders;
  /** `data.id` of the envelope. */
  eventId: string;
  /** The status answered; undefined while the handler has not answered. */
  status?: number;
}

export type ReceiverHandler = (req: ReceivedRequest, res: ServerResponse, index: number) => unknown;

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** Requests answered 2xx, by event id. */
  acceptedIds(): string[];
  setHandler(handler: ReceiverHandler): void;
  /** Resolves once `predicate` holds, checked every 10 ms; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const answer = (status: number, headers: Record<string, string> = {}): ReceiverHandler => {
  return (_req, res) => {
    res.writeHead(status, headers).end();
  };
};

export async function startReceiver(handler: ReceiverHandler = answer(200)): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  let current = handler;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let eventId = "";
      try {
        eventId = JSON.parse(body).data.id;
      } catch {}
      const entry: ReceivedRequest = { body, headers: req.headers, eventId };
      const index = received.push(entry) - 1;
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((status: number, ...rest: never[]) => {
        entry.status = status;
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
      Promise.resolve(current(entry, res, index)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    acceptedIds: () =>
      received.filter((r) => r.status !== undefined && r.status < 300).map((r) => r.eventId),
    setHandler(next) {
      current = next;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error("receiver: condition not met in time");
        await sleep(10);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
