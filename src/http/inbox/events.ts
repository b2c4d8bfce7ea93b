/**
 * `GET /inbox/events`: server-sent events for the signed-in person, read from their
 * audit stream by the same long poll as `/v1/events` (the user's whole stream, as the
 * admin sees it). Each message is `event: change`, `id: <seq of the last event it
 * covers>`, `data: {"types": [...]}`; a reconnect with `Last-Event-ID` resumes after it.
 * Without Last-Event-ID the stream starts at the chain's current head.
 */
import { Router } from "express";
import type { Context } from "../../context.js";
import { pollSignal } from "../v1/events.js";
import { personOf } from "./session.js";

const WAIT_MS = 25_000;
const PAGE = 100;

function lastEventId(raw: unknown): number | undefined {
  return typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export function inboxEventsRouter(ctx: Context): Router {
  const router = Router();
  router.get("/inbox/events", async (req, res) => {
    const person = personOf(req);
    const who = { username: person.username, agentId: null };
    let cursor =
      lastEventId(req.headers["last-event-id"]) ?? (await ctx.store.auditHead(person.username)).seq;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write(`retry: 2000\nid: ${cursor}\n\n`);
    const poll = pollSignal(req, res);
    try {
      while (!poll.signal.aborted) {
        const asked = performance.now();
        const page = await ctx.webhooks.events(who, cursor, PAGE, WAIT_MS, poll.signal);
        if (poll.signal.aborted || res.destroyed) break;
        // An empty page well before the wait is over: the node is stopping.
        if (page.events.length === 0 && performance.now() - asked < WAIT_MS / 2) break;
        if (page.events.length > 0) {
          const types = [...new Set(page.events.map((e) => e.type))];
          res.write(`event: change\nid: ${page.cursor}\ndata: ${JSON.stringify({ types })}\n\n`);
        } else {
          res.write(": still here\n\n");
        }
        cursor = page.cursor;
      }
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, "inbox event stream ended");
    } finally {
      poll.done();
      if (!res.writableEnded) res.end();
    }
  });
  return router;
}
