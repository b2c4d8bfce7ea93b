/**
 * The inbox's pages on both stores: deciding requests as the person (audit actor, the
 * decline message), another person's ids refused with 404, hostile text escaped, agents
 * reordered and revoked, activity verified, and live events resumed by Last-Event-ID.
 */
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { stopSharedRedis } from "../../helpers/store-kinds.js";
import { listenInbox } from "./event-stream.js";
import { asPerson, inboxNode, makeAgent, pendingRequest, putPerson, signIn } from "./harness.js";

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
      const person = asPerson(node, await signIn(node, "jane"));
      const page = await person.get("/inbox").expect(200);
      expect(page.text).toContain("Quarterly review");
      expect(page.text).toContain("ana@globex.invalid");
      expect(page.text).toContain("(organization verified)");
      expect(page.text).toContain("Bring numbers");
      expect(page.text).toContain(`action="/inbox/requests/${id}/accept"`);
      const res = await person.post(`/inbox/requests/${id}/accept`).expect(303);
      expect(res.headers.location).toBe("/inbox?done=accepted");
      expect((await node.ctx.store.getBooking("jane", id))?.status).toBe("committed");
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)).toMatchObject({ type: "booking.confirmed", actor: "person:jane" });
      const after = await person.get("/inbox?done=accepted");
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
      const person = asPerson(node, await signIn(node, "jane"));
      const page = await person.get("/inbox").expect(200);
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
      const person = asPerson(node, await signIn(node, "jane"));
      await person
        .post(`/inbox/requests/${id}/decline`)
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
      const bobAgent = await makeAgent(node, "bob", "Bob's bot");
      const person = asPerson(node, await signIn(node, "jane"));
      for (const path of [
        `/inbox/requests/${bobRequest}/accept`,
        `/inbox/requests/${bobRequest}/decline`,
        `/inbox/bookings/${bobRequest}/cancel`,
        `/inbox/agents/${bobAgent.id}/up`,
        `/inbox/agents/${bobAgent.id}/revoke`,
        "/inbox/requests/not-an-id/accept",
      ]) {
        const res = await person.post(path).send({});
        expect(res.status, path).toBe(404);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
      }
      expect((await node.ctx.store.getBooking("bob", bobRequest))?.status).toBe("pending");
      expect(await node.ctx.store.getAgent("bob", bobAgent.id)).not.toBeNull();
    } finally {
      await node.close();
    }
  });

  it("escapes hostile subjects, notes, addresses and display names on every page", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane", { display_name: HOSTILE });
      await makeAgent(node, "jane", HOSTILE);
      const pendingId = await pendingRequest(node, "jane", { subject: HOSTILE, note: HOSTILE });
      await pendingRequest(node, "jane", { subject: HOSTILE, hoursAhead: 72 });
      const person = asPerson(node, await signIn(node, "jane"));
      await person.post(`/inbox/requests/${pendingId}/accept`).expect(303);
      for (const path of ["/inbox", "/inbox/bookings", "/inbox/agents", "/inbox/activity"]) {
        const page = await person.get(path).expect(200);
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
      const person = asPerson(node, await signIn(node, "jane"));
      await person.post(`/inbox/requests/${id}/accept`).expect(303);
      const list = await person.get("/inbox/bookings").expect(200);
      expect(list.text).toContain("Standup");
      await person.post(`/inbox/bookings/${id}/cancel`).expect(303);
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
      const sales = (await makeAgent(node, "jane", "Sales bot", 1)).id;
      const helper = (await makeAgent(node, "jane", "Helper", 5)).id;
      const person = asPerson(node, await signIn(node, "jane"));
      await person.post(`/inbox/agents/${helper}/up`).expect(303);
      expect((await node.ctx.store.getAgent("jane", helper))?.priority).toBe(1);
      expect((await node.ctx.store.getAgent("jane", sales))?.priority).toBe(2);
      const page = await person.get("/inbox/agents").expect(200);
      expect(page.text.indexOf("Helper")).toBeLessThan(page.text.indexOf("Sales bot"));
      await person.post(`/inbox/agents/${sales}/revoke`).expect(303);
      expect(await node.ctx.store.getAgent("jane", sales)).toBeNull();
      const activity = await person.get("/inbox/activity");
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
      const person = asPerson(node, await signIn(node, "jane"));
      const page = await person.get("/inbox/activity").expect(200);
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
    const inbox = await listenInbox(node);
    try {
      await putPerson(node, "jane");
      const cookie = await signIn(node, "jane");
      const headBefore = (await node.ctx.store.auditHead("jane")).seq;
      const stream = await inbox.events(cookie);
      await stream.until(/retry: 2000/);
      await pendingRequest(node, "jane");
      const seen = await stream.until(/event: change\nid: (\d+)\ndata: .*booking\.requested/);
      const id = Number(/event: change\nid: (\d+)/.exec(seen)![1]);
      expect(id).toBeGreaterThan(headBefore);
      stream.close();
      // Reconnecting from before the request replays it.
      const resumed = await inbox.events(cookie, headBefore);
      await resumed.until(/event: change\nid: \d+\ndata: .*booking\.requested/);
      resumed.close();
    } finally {
      await inbox.close();
      await node.close();
    }
  });
});
