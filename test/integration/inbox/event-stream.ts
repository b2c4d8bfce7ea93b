/**
 * The inbox's live events (`GET /inbox/events`, server-sent events) read over a real
 * socket: supertest buffers whole answers, and a stream never ends.
 */
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import type { TestNode } from "../../helpers/node.js";

export interface EventStream {
  /** Reads until `re` matches what was received; everything received then. */
  until(re: RegExp): Promise<string>;
  close(): void;
}

export interface ListeningInbox {
  /** Opens the stream as the person with `cookie`, resuming after `lastEventId` if given. */
  events(cookie: string, lastEventId?: number): Promise<EventStream>;
  /** Ends open streams, then stops listening. */
  close(): Promise<void>;
}

/** The node's app on a free loopback port. */
export async function listenInbox(node: TestNode): Promise<ListeningInbox> {
  const server = node.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async events(cookie, lastEventId) {
      const abort = new AbortController();
      const res = await fetch(`${base}/inbox/events`, {
        headers: {
          cookie,
          ...(lastEventId !== undefined && { "last-event-id": String(lastEventId) }),
        },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = "";
      return {
        async until(re) {
          while (!re.test(text)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`stream ended: ${text}`);
            text += new TextDecoder().decode(value);
          }
          return text;
        },
        close: () => abort.abort(),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
