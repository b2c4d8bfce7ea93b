/**
 * The inbox's agent sections on both stores: presence on the Agents page and as
 * `event: presence` (without an id) on /inbox/events; Ask an agent (a mention the agent
 * lists and marks done); suggestions accepted (booked as the agent, `suggestion.accepted`),
 * refused when the slot is taken (the suggestion reopened) and rejected
 * (`suggestion.rejected`); the Requests page's notify channels. Agents' text is escaped;
 * another person's ids are 404; every POST needs the Origin.
 */
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import type { TestNode } from "../../helpers/node.js";
import { stopSharedRedis } from "../../helpers/store-kinds.js";
import { listenInbox } from "./event-stream.js";
import {
  asPerson,
  inboxNode,
  makeAgent,
  ORIGIN,
  pendingRequest,
  putPerson,
  signIn,
} from "./harness.js";

afterAll(() => stopSharedRedis());

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;";
const HOUR = 3_600_000;

async function slots(node: TestNode, count: number) {
  const now = await node.ctx.store.now();
  const base = Math.ceil(now / HOUR) * HOUR + 48 * HOUR;
  return Array.from({ length: count }, (_, i) => ({
    start: new Date(base + i * HOUR).toISOString(),
    end: new Date(base + i * HOUR + 30 * 60_000).toISOString(),
  }));
}

/** An agent's suggestion to the person; its id. */
async function suggest(
  node: TestNode,
  auth: Record<string, string>,
  body: Record<string, unknown>,
) {
  const res = await request(node.app).post("/v1/suggestions").set(auth).send(body).expect(201);
  return res.body.suggestion_id as string;
}

async function agentEvents(node: TestNode, auth: Record<string, string>) {
  const res = await request(node.app).get("/v1/events").set(auth).expect(200);
  return res.body.events as { type: string; data: { object: Record<string, unknown> } }[];
}

describe.each(["memory", "redis"] as const)("inbox agent sections (%s store)", (kind) => {
  it("shows each agent's presence with its note, escaped, and nothing for an agent without one", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout", 1);
      await makeAgent(node, "jane", "Quiet", 2);
      await request(node.app)
        .post("/v1/presence")
        .set(scout.auth)
        .send({ status: "thinking", note: HOSTILE })
        .expect(200);
      const person = asPerson(node, await signIn(node, "jane"));
      const page = await person.get("/inbox/agents").expect(200);
      expect(page.text).toContain('data-presence="thinking"');
      expect(page.text).toContain(ESCAPED);
      expect(page.text).not.toContain("<script>alert");
      expect(page.text.match(/data-presence=/g)).toHaveLength(1);
      // Only the Agents page refreshes on presence events.
      expect(page.text).toContain("<main data-live data-live-presence>");
      const requests = await person.get("/inbox").expect(200);
      expect(requests.text).toContain("<main data-live>");
    } finally {
      await node.close();
    }
  });

  it("asks an agent: the mention reaches that agent, shows as sent, then done", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout");
      const person = asPerson(node, await signIn(node, "jane"));
      const form = await person.get("/inbox/agents").expect(200);
      expect(form.text).toContain('action="/inbox/mentions"');
      expect(form.text).toContain(`<option value="${scout.id}">Scout</option>`);
      const res = await person
        .post("/inbox/mentions")
        .send({ agent_id: scout.id, text: `Find time with ana ${HOSTILE}` })
        .expect(303);
      expect(res.headers.location).toBe("/inbox/agents?done=asked");
      const listed = await request(node.app)
        .get("/v1/mentions?status=sent")
        .set(scout.auth)
        .expect(200);
      expect(listed.body.mentions).toHaveLength(1);
      const mention = listed.body.mentions[0] as { mention_id: string; text: string };
      expect(mention.text).toBe(`Find time with ana ${HOSTILE}`);
      const audit = await node.ctx.store.readAudit("jane", { resource: mention.mention_id });
      expect(audit[0]).toMatchObject({ type: "mention.created", actor: "person:jane" });
      let page = await person.get("/inbox/agents").expect(200);
      expect(page.text).toContain(`data-mention-id="${mention.mention_id}" data-status="sent"`);
      expect(page.text).toContain(`Find time with ana ${ESCAPED}`);
      expect(page.text).not.toContain("<img src=x");
      await request(node.app)
        .patch("/v1/mentions")
        .set(scout.auth)
        .send({ mention_ids: [mention.mention_id], status: "done" })
        .expect(200);
      page = await person.get("/inbox/agents").expect(200);
      expect(page.text).toContain(`data-mention-id="${mention.mention_id}" data-status="done"`);
    } finally {
      await node.close();
    }
  });

  it("refuses a mention without Origin (403), to another person's agent (404) or blank (400), creating nothing", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      await putPerson(node, "bob");
      const scout = await makeAgent(node, "jane", "Scout");
      const bobs = await makeAgent(node, "bob", "Bob's bot");
      const cookie = await signIn(node, "jane");
      const post = () => request(node.app).post("/inbox/mentions").set("Cookie", cookie);
      await post().type("form").send({ agent_id: scout.id, text: "Hello" }).expect(403);
      const foreign = await post()
        .set("Origin", ORIGIN)
        .type("form")
        .send({ agent_id: bobs.id, text: "Hello" });
      expect(foreign.status).toBe(404);
      expect(foreign.headers["content-type"]).toMatch(/^text\/html/);
      await post()
        .set("Origin", ORIGIN)
        .type("form")
        .send({ agent_id: scout.id, text: "   " })
        .expect(400);
      await post().set("Origin", ORIGIN).type("form").send({}).expect(400);
      expect(await node.ctx.store.listPersonRecords("jane", "mentions")).toEqual([]);
      expect(await node.ctx.store.listPersonRecords("bob", "mentions")).toEqual([]);
    } finally {
      await node.close();
    }
  });

  it("shows a suggestion in the person's zone and UTC, escaped, with one radio button per slot", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout");
      const [a, b] = await slots(node, 2);
      const id = await suggest(node, scout.auth, {
        slots: [a, b],
        note: HOSTILE,
        with: "ana@globex.invalid",
      });
      const person = asPerson(node, await signIn(node, "jane"));
      const page = await person.get("/inbox/agents").expect(200);
      expect(page.text).toContain(`action="/inbox/suggestions/${id}/accept"`);
      expect(page.text).toContain(ESCAPED);
      expect(page.text).not.toContain("<script>alert");
      expect(page.text).toContain("ana@globex.invalid");
      expect(page.text).toContain('type="radio" name="slot" value="1"');
      // Europe/Paris and UTC, the same instant.
      const startB = new Date(b!.start);
      const utc = `${String(startB.getUTCHours()).padStart(2, "0")}:00`;
      expect(page.text).toContain(`${utc}–${utc.slice(0, 2)}:30 UTC`);
      expect(page.text).toMatch(/GMT\+1|CET|GMT\+2|CEST/);
    } finally {
      await node.close();
    }
  });

  it("accepts one slot: booked as the agent, suggestion.accepted; a taken slot reopens it (409 page); reject tells the agent", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout", 2);
      const rival = await makeAgent(node, "jane", "Rival", 1);
      const [a, b, c] = await slots(node, 3);
      const first = await suggest(node, scout.auth, { slots: [a, b], note: "Intro call" });
      const person = asPerson(node, await signIn(node, "jane"));
      const post = (path: string, body: Record<string, string>) => person.post(path).send(body);
      await post(`/inbox/suggestions/${first}/accept`, {}).expect(400);
      await post(`/inbox/suggestions/${first}/accept`, { slot: "7" }).expect(400);
      const accepted = await post(`/inbox/suggestions/${first}/accept`, { slot: "1" }).expect(303);
      expect(accepted.headers.location).toBe("/inbox/agents?done=suggestion-accepted");
      const told = (await agentEvents(node, scout.auth)).find(
        (e) => e.type === "suggestion.accepted",
      );
      expect(told?.data.object).toMatchObject({ suggestion_id: first, accepted_index: 1 });
      const booking = await node.ctx.store.getBooking(
        "jane",
        told!.data.object.booking_id as string,
      );
      expect(booking).toMatchObject({
        status: "committed",
        agentId: scout.id,
        start: Date.parse(b!.start),
      });
      const after = await person.get("/inbox/agents?done=suggestion-accepted");
      expect(after.text).toContain("Accepted: the time is booked");
      expect(after.text).toContain(`data-suggestion-id="${first}" data-status="accepted"`);
      // Accepting twice: already decided.
      await post(`/inbox/suggestions/${first}/accept`, { slot: "0" }).expect(409);

      // The slot is taken by another agent: the page says why, the suggestion is open again.
      const second = await suggest(node, scout.auth, { slots: [c] });
      await request(node.app).post("/v1/bookings").set(rival.auth).send(c).expect(201);
      const refused = await post(`/inbox/suggestions/${second}/accept`, { slot: "0" });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain("no longer free");
      expect(refused.text).toContain("open again");
      const reopened = await person.get("/inbox/agents");
      expect(reopened.text).toContain(`data-suggestion-id="${second}" data-status="open"`);

      await post(`/inbox/suggestions/${second}/reject`, { message: "Not this week" }).expect(303);
      const rejected = (await agentEvents(node, scout.auth)).find(
        (e) => e.type === "suggestion.rejected",
      );
      expect(rejected?.data.object).toMatchObject({
        suggestion_id: second,
        message: "Not this week",
      });
      const audit = await node.ctx.store.readAudit("jane", { resource: second });
      expect(audit.at(-1)).toMatchObject({ type: "suggestion.rejected", actor: "person:jane" });
    } finally {
      await node.close();
    }
  });

  it("a slot a rule of the calendar forbids: a 422 page saying which rule, the suggestion open again", async () => {
    const node = await inboxNode(kind);
    try {
      // Slots are 48 h ahead: a 100 h notice forbids them.
      await putPerson(node, "jane", { min_notice_hours: 100 });
      const scout = await makeAgent(node, "jane", "Scout");
      const [a] = await slots(node, 1);
      const id = await suggest(node, scout.auth, { slots: [a] });
      const person = asPerson(node, await signIn(node, "jane"));
      const res = await person.post(`/inbox/suggestions/${id}/accept`).send({ slot: "0" });
      expect(res.status).toBe(422);
      expect(res.text).toContain("minimum notice");
      expect(res.text).toContain("open again");
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)?.type).toBe("suggestion.reopened");
      expect(await node.ctx.store.listPersonRecords("jane", "suggestions")).toEqual([
        expect.stringContaining('"status":"open"'),
      ]);
    } finally {
      await node.close();
    }
  });

  it("a meeting suggestion whose peer cannot be reached: a page saying so, the suggestion open again", async () => {
    // DNS to a closed port: the peer's address resolves to nothing, at once.
    const node = await inboxNode(kind, { dnsServers: "127.0.0.1:9" });
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout");
      const [a] = await slots(node, 1);
      const id = await suggest(node, scout.auth, { slots: [a], with: "ana@globex.invalid" });
      const person = asPerson(node, await signIn(node, "jane"));
      const res = await person.post(`/inbox/suggestions/${id}/accept`).send({ slot: "0" });
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.text).toContain("The other organization could not be reached or verified");
      const audit = await node.ctx.store.readAudit("jane", { resource: id });
      expect(audit.at(-1)?.type).toBe("suggestion.reopened");
    } finally {
      await node.close();
    }
  });

  it("answers another person's suggestion with 404 and refuses a POST without Origin, changing nothing", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      await putPerson(node, "bob");
      const mine = await makeAgent(node, "jane", "Scout");
      const bobs = await makeAgent(node, "bob", "Bob's bot");
      const [a] = await slots(node, 1);
      const bobSuggestion = await suggest(node, bobs.auth, { slots: [a] });
      const janeSuggestion = await suggest(node, mine.auth, { slots: [a] });
      const cookie = await signIn(node, "jane");
      const person = asPerson(node, cookie);
      for (const path of [
        `/inbox/suggestions/${bobSuggestion}/accept`,
        `/inbox/suggestions/${bobSuggestion}/reject`,
        "/inbox/suggestions/not-an-id/reject",
      ]) {
        const res = await person.post(path).send({ slot: "0" });
        expect(res.status, path).toBe(404);
      }
      await request(node.app)
        .post(`/inbox/suggestions/${janeSuggestion}/reject`)
        .set("Cookie", cookie)
        .type("form")
        .send({})
        .expect(403);
      const open = async (user: string) =>
        (await node.ctx.store.listPersonRecords(user, "suggestions")).map(
          (raw) => (JSON.parse(raw) as { status: string }).status,
        );
      expect(await open("bob")).toEqual(["open"]);
      expect(await open("jane")).toEqual(["open"]);
    } finally {
      await node.close();
    }
  });

  it("shows on each request which channels were told and which the node cannot serve", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane", {
        response_channel: {
          human_ack_required: true,
          notify: [
            { type: "sms", value: "+33600000000" },
            { type: "email", value: "jane@acme.invalid" },
            { type: "matrix_dm", value: "@jane:acme.invalid" },
          ],
        },
      });
      const id = await pendingRequest(node, "jane", { subject: "Told?" });
      const person = asPerson(node, await signIn(node, "jane"));
      const deadline = Date.now() + 10_000;
      while ((await node.ctx.store.getPersonRecord("jane", "notifications", id)) === null) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      const page = await person.get("/inbox").expect(200);
      expect(page.text).toContain("Told you by");
      for (const type of ["sms", "email", "matrix_dm"])
        expect(page.text).toContain(`data-channel="${type}" data-status="unsupported"`);
      expect(page.text).toContain("<code>+33600000000</code>");
      expect(page.text).toContain("SMTP_URL is not set");
      expect(page.text).toContain("this node has no sms provider");
    } finally {
      await node.close();
    }
  });

  it("sends presence changes as `event: presence` without an id; audit ids and resume are unchanged", async () => {
    const node = await inboxNode(kind);
    const inbox = await listenInbox(node);
    try {
      await putPerson(node, "jane");
      const scout = await makeAgent(node, "jane", "Scout");
      const cookie = await signIn(node, "jane");
      const stream = await inbox.events(cookie);
      const opened = await stream.until(/retry: 2000\nid: (\d+)\n\n/);
      const headId = Number(/retry: 2000\nid: (\d+)/.exec(opened)![1]);
      await request(node.app)
        .post("/v1/presence")
        .set(scout.auth)
        .send({ status: "reading" })
        .expect(200);
      const withPresence = await stream.until(/event: presence\n/);
      const message = /event: presence\n([\s\S]*?)\n\n/.exec(withPresence)![1]!;
      expect(message).not.toMatch(/^id:/m);
      expect(JSON.parse(message.replace(/^data: /, ""))).toEqual({
        presence: [{ agent_id: scout.id, status: "reading" }],
      });
      // An audit change after it still carries the audit seq as its id.
      await pendingRequest(node, "jane");
      const withChange = await stream.until(/event: change\nid: (\d+)/);
      expect(Number(/event: change\nid: (\d+)/.exec(withChange)![1])).toBeGreaterThan(headId);
      stream.close();
    } finally {
      await inbox.close();
      await node.close();
    }
  });
});
