/**
 * The inbox's pages on both stores: deciding requests as the person (audit actor, the
 * decline message), another person's ids refused with 404, hostile text escaped, agents
 * reordered and revoked, activity verified, and live events resumed by Last-Event-ID.
 */
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { stopSharedRedis } from "../../helpers/store-kinds.js";
import { inboxNode, ORIGIN, pendingRequest, putPerson, signIn } from "./harness.js";

afterAll(() => stopSharedRedis());

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

describe.each(["memory", "redis"] as const)("inbox pages (%s store)", (kind) => {
  it("lists a request with both zones and decides it as the person; the audit names the person", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const id = await pendingRequest(node, "jane", {
        subject: "Quarterly review",
        note: "Bring numbers",
      });
      const cookie = await signIn(node, "jane");
      const page = await request(node.app).get("/inbox").set("Cookie", cookie).expect(200);
      expect(page.text).toContain("Quarterly review");
      expect(page.text).toContain("ana@globex.invalid");
      expect(page.text).toContain("(organization verified)");
      expect(page.text).toContain("Bring numbers");
      expect(page.text).toContain(`action="/inbox/requests/${id}/accept"`);
      const res = await request(node.app)
        .post(`/inbox/requests/${id}/accept`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      expect(res.headers.location).toBe("/inbox?done=accepted");
      expect((await node.ctx.store.getBooking("jane", id))?.status).toBe("committed");
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)).toMatchObject({ type: "booking.confirmed", actor: "person:jane" });
      const after = await request(node.app).get("/inbox?done=accepted").set("Cookie", cookie);
      expect(after.text).toContain("No requests are waiting for you.");
      expect(after.text).toContain("Accepted");
    } finally {
      await node.close();
    }
  });

  it("works for a private profile", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane", { visibility: "private" });
      await pendingRequest(node, "jane", { subject: "Private matters" });
      const cookie = await signIn(node, "jane");
      const page = await request(node.app).get("/inbox").set("Cookie", cookie).expect(200);
      expect(page.text).toContain("Private matters");
    } finally {
      await node.close();
    }
  });

  it("declines with a message, kept in booking.declined", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const id = await pendingRequest(node, "jane");
      const cookie = await signIn(node, "jane");
      await request(node.app)
        .post(`/inbox/requests/${id}/decline`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .type("form")
        .send({ message: "Sorry, travelling" })
        .expect(303);
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)).toMatchObject({
        type: "booking.declined",
        actor: "person:jane",
        data: expect.objectContaining({ message: "Sorry, travelling" }),
      });
    } finally {
      await node.close();
    }
  });

  it("refuses a decision without Origin (403) and changes nothing", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const id = await pendingRequest(node, "jane");
      const cookie = await signIn(node, "jane");
      await request(node.app)
        .post(`/inbox/requests/${id}/accept`)
        .set("Cookie", cookie)
        .expect(403);
      expect((await node.ctx.store.getBooking("jane", id))?.status).toBe("pending");
    } finally {
      await node.close();
    }
  });

  it("answers another person's request, booking and agent ids with 404, changing nothing", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      await putPerson(node, "bob");
      const bobRequest = await pendingRequest(node, "bob");
      const bobAgent = await request(node.app)
        .post("/admin/v1/users/bob/agents")
        .set(node.admin)
        .send({ name: "Bob's bot", priority: 1 })
        .expect(201);
      const cookie = await signIn(node, "jane");
      const post = (path: string) =>
        request(node.app).post(path).set("Cookie", cookie).set("Origin", ORIGIN).type("form");
      for (const path of [
        `/inbox/requests/${bobRequest}/accept`,
        `/inbox/requests/${bobRequest}/decline`,
        `/inbox/bookings/${bobRequest}/cancel`,
        `/inbox/agents/${bobAgent.body.agent_id}/up`,
        `/inbox/agents/${bobAgent.body.agent_id}/revoke`,
        "/inbox/requests/not-an-id/accept",
      ]) {
        const res = await post(path).send({});
        expect(res.status, path).toBe(404);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
      }
      expect((await node.ctx.store.getBooking("bob", bobRequest))?.status).toBe("pending");
      expect(await node.ctx.store.getAgent("bob", bobAgent.body.agent_id)).not.toBeNull();
    } finally {
      await node.close();
    }
  });

  it("escapes hostile subjects, notes, addresses and display names on every page", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane", { display_name: HOSTILE });
      await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: HOSTILE, priority: 1 })
        .expect(201);
      const pendingId = await pendingRequest(node, "jane", { subject: HOSTILE, note: HOSTILE });
      await pendingRequest(node, "jane", { subject: HOSTILE, hoursAhead: 72 });
      const cookie = await signIn(node, "jane");
      await request(node.app)
        .post(`/inbox/requests/${pendingId}/accept`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      for (const path of ["/inbox", "/inbox/bookings", "/inbox/agents", "/inbox/activity"]) {
        const page = await request(node.app).get(path).set("Cookie", cookie).expect(200);
        expect(page.text, path).not.toContain("<script>alert");
        expect(page.text, path).not.toContain("<img src=x");
        expect(page.text, path).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
        expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'/);
      }
      const signinPage = await request(node.app)
        .get(`/inbox/signin?token=${encodeURIComponent(`"><script>x</script>`)}`)
        .expect(200);
      expect(signinPage.text).not.toContain("<script>x");
    } finally {
      await node.close();
    }
  });

  it("cancels an upcoming booking as the person", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const id = await pendingRequest(node, "jane", { subject: "Standup" });
      const cookie = await signIn(node, "jane");
      await request(node.app)
        .post(`/inbox/requests/${id}/accept`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      const list = await request(node.app).get("/inbox/bookings").set("Cookie", cookie).expect(200);
      expect(list.text).toContain("Standup");
      await request(node.app)
        .post(`/inbox/bookings/${id}/cancel`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      const booking = await node.ctx.store.getBooking("jane", id);
      expect(booking?.status).toBe("cancelled");
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)).toMatchObject({ type: "booking.cancelled", actor: "person:jane" });
    } finally {
      await node.close();
    }
  });

  it("reorders agents (renumbered 1…n) and revokes one", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const make = async (name: string, priority: number) =>
        (
          await request(node.app)
            .post("/admin/v1/users/jane/agents")
            .set(node.admin)
            .send({ name, priority })
            .expect(201)
        ).body.agent_id as string;
      const sales = await make("Sales bot", 1);
      const helper = await make("Helper", 5);
      const cookie = await signIn(node, "jane");
      await request(node.app)
        .post(`/inbox/agents/${helper}/up`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      expect((await node.ctx.store.getAgent("jane", helper))?.priority).toBe(1);
      expect((await node.ctx.store.getAgent("jane", sales))?.priority).toBe(2);
      const page = await request(node.app).get("/inbox/agents").set("Cookie", cookie).expect(200);
      expect(page.text.indexOf("Helper")).toBeLessThan(page.text.indexOf("Sales bot"));
      await request(node.app)
        .post(`/inbox/agents/${sales}/revoke`)
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(303);
      expect(await node.ctx.store.getAgent("jane", sales)).toBeNull();
      const activity = await request(node.app).get("/inbox/activity").set("Cookie", cookie);
      expect(activity.text).toContain("You set Helper to priority 1");
      expect(activity.text).toContain("You revoked Sales bot");
    } finally {
      await node.close();
    }
  });

  it("shows the activity in plain words with the chain verified and its head", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      await pendingRequest(node, "jane");
      const cookie = await signIn(node, "jane");
      const page = await request(node.app).get("/inbox/activity").set("Cookie", cookie).expect(200);
      const head = await node.ctx.store.auditHead("jane");
      expect(page.text).toContain(`Audit chain verified: ${head.seq} events`);
      expect(page.text).toContain(head.hash);
      expect(page.text).toMatch(
        /ana@globex\.invalid asked for \w{3} \d+ \w{3} \d\d:\d\d–\d\d:\d\d with Jane Doe/,
      );
    } finally {
      await node.close();
    }
  });

  it("streams changes as server-sent events and resumes after Last-Event-ID", async () => {
    const node = await inboxNode(kind);
    const server = node.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await putPerson(node, "jane");
      const cookie = await signIn(node, "jane");
      const headBefore = (await node.ctx.store.auditHead("jane")).seq;
      const open = async (lastId?: number) => {
        const abort = new AbortController();
        const res = await fetch(`${base}/inbox/events`, {
          headers: { cookie, ...(lastId !== undefined && { "last-event-id": String(lastId) }) },
          signal: abort.signal,
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
        const reader = res.body!.getReader();
        let text = "";
        const until = async (re: RegExp) => {
          while (!re.test(text)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`stream ended: ${text}`);
            text += new TextDecoder().decode(value);
          }
          return text;
        };
        return { until, close: () => abort.abort() };
      };
      const stream = await open();
      await stream.until(/retry: 2000/);
      await pendingRequest(node, "jane");
      const seen = await stream.until(/event: change\nid: (\d+)\ndata: .*booking\.requested/);
      const id = Number(/event: change\nid: (\d+)/.exec(seen)![1]);
      expect(id).toBeGreaterThan(headBefore);
      stream.close();
      // Reconnecting from before the request replays it.
      const resumed = await open(headBefore);
      await resumed.until(/event: change\nid: \d+\ndata: .*booking\.requested/);
      resumed.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await node.close();
    }
  });
});
