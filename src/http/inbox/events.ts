/**
 * `GET /inbox/events`: server-sent events for the signed-in person, read from their
 * audit stream by the same long poll as `/v1/events` (the user's whole stream, as the
 * admin sees it). Each message is `event: change`, `id: <seq of the last event it
 * covers>`, `data: {"types": [...]}`; a reconnect with `Last-Event-ID` resumes after it.
 * Without Last-Event-ID the stream starts at the chain's current head.
 *
 * Presence is not in the audit stream: when the person's agents' presence changes
 * (`watchPresence`: a new status or note, or an entry fading), the stream sends
 * `event: presence` with `data: {"presence": [{agent_id, status}]}` and **no id**, so the
 * browser's last event id stays the audit cursor and a reconnect resumes audit events
 * correctly (presence is current state: the page reads it afresh).
 */
import { Router } from "express";
import type { Context } from "../../context.js";
import { type PresenceView, watchPresence } from "../../people/index.js";
import { pollSignal } from "../v1/events.js";
import { personOf } from "./session.js";

const WAIT_MS = 25_000;
const PAGE = 100;
/** How long the stream waits for the presence baseline (a store hiccup must not hold it). */
const BASELINE_WAIT_MS = 2000;

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
    const poll = pollSignal(req, res);
    // The watcher's first call is the baseline, taken before the stream opens: every change
    // after the browser sees the stream open is sent.
    let baseline: () => void = () => {};
    const baselineTaken = new Promise<void>((resolve) => {
      baseline = resolve;
      setTimeout(resolve, BASELINE_WAIT_MS).unref();
    });
    let first = true;
    watchPresence(
      ctx.people,
      person,
      (presence: PresenceView[]) => {
        if (first) {
          first = false;
          baseline();
          return;
        }
        if (res.writableEnded || res.destroyed || !res.headersSent) return;
        const data = presence.map((p) => ({ agent_id: p.agentId, status: p.status }));
        res.write(`event: presence\ndata: ${JSON.stringify({ presence: data })}\n\n`);
      },
      { signal: poll.signal },
    );
    await baselineTaken;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write(`retry: 2000\nid: ${cursor}\n\n`);
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
