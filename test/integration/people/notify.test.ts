/**
 * Telling the person of a request that waits for them, on both stores: the email channel
 * through a real SMTP server in this process (smtp-server, read back with mailparser), the
 * webhook channel through the webhook outbox to a local receiver (signed), and the
 * channels the node cannot serve recorded as unsupported.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import request from "supertest";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { listRequestNotices, requestNotice } from "../../../src/people/index.js";
import { constructWebhookEvent, SIGNATURE_HEADER } from "../../../src/webhooks/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";
import { type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";

const JANE = { kind: "person", username: "jane" } as const;
const SLOT = { start: "2026-11-23T15:00:00Z", end: "2026-11-23T15:30:00Z" };

interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

async function startSmtp(): Promise<{
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            to: (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? "",
            subject: mail.subject ?? "",
            text: mail.text ?? "",
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let node: TestNode;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let receiver: Receiver;
const minted: { username: string; next: string }[] = [];

afterAll(stopSharedRedis);

for (const kind of ["memory", "redis"] as const) {
  describe(`request notifications, ${kind} store`, () => {
    beforeEach(async () => {
      smtp = await startSmtp();
      receiver = await startReceiver();
      minted.length = 0;
      const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode(
        { arbitrationWindowMs: "0", smtpUrl: smtp.url, smtpFrom: "inbox@node.test" },
        {
          clock,
          ...(store && { store }),
          mintLoginLink: async (username, next) => {
            minted.push({ username, next });
            return `https://node.test/inbox/login/one-time-${minted.length}`;
          },
        },
      );
      const profile = sampleProfileInput("jane", {
        scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
        response_channel: {
          human_ack_required: false,
          notify: [
            { type: "email", value: "jane@acme.example" },
            { type: "webhook", value: receiver.url },
            { type: "sms", value: "+15551234567" },
            { type: "matrix_dm", value: "@jane:acme.example" },
          ],
        },
      });
      const put = await request(node.app).put("/admin/v1/users/jane").set(node.admin).send(profile);
      expect(put.status, JSON.stringify(put.body)).toBe(201);
    });
    afterEach(async () => {
      await node.close();
      await receiver.close();
      await smtp.close();
    });

    async function careful() {
      const res = await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: "Careful", priority: 2, requires_ack: true });
      return { Authorization: `Bearer ${res.body.api_key}` };
    }

    it("emails a sign-in link to the request, posts a signed webhook, and records what it could not serve", async () => {
      const auth = await careful();
      const res = await request(node.app)
        .post("/v1/bookings")
        .set(auth)
        .send({ ...SLOT, title: "Budget review" });
      expect(res.status).toBe(202);
      const bookingId = res.body.booking_id as string;

      await expect.poll(() => smtp.mails.length, { timeout: 10_000 }).toBe(1);
      const mail = smtp.mails[0]!;
      expect(mail.to).toBe("jane@acme.example");
      expect(mail.subject).toContain("A request waits for you");
      expect(mail.text).toContain("2026-11-23T15:00:00.000Z");
      expect(mail.text).toContain("Subject: Budget review");
      expect(mail.text).toContain("https://node.test/inbox/login/one-time-1");
      expect(minted).toEqual([{ username: "jane", next: `/inbox#${bookingId}` }]);

      await receiver.waitFor(() => receiver.received.length > 0, 10_000);
      const delivered = receiver.received[0]!;
      const subs = await node.ctx.webhooks.webhookStore.listSubscriptions("jane");
      const secrets = subs.flatMap((s) => s.secrets.map((x) => x.secret));
      const event = constructWebhookEvent<{
        type: string;
        data: { object: Record<string, unknown> };
      }>(delivered.body, delivered.headers[SIGNATURE_HEADER] as string, secrets, {
        toleranceSeconds: 10 ** 9,
      });
      expect(event.type).toBe("booking.requested");
      expect(event.data.object).toMatchObject({ booking_id: bookingId, status: "pending" });

      await expect
        .poll(async () => (await requestNotice(node.ctx.notify, JANE, bookingId))?.channels.length)
        .toBe(4);
      const notice = await requestNotice(node.ctx.notify, JANE, bookingId);
      expect(notice?.channels).toEqual([
        { type: "email", value: "jane@acme.example", status: "sent" },
        { type: "webhook", value: receiver.url, status: "queued" },
        {
          type: "sms",
          value: "+15551234567",
          status: "unsupported",
          reason: "this node has no sms provider",
        },
        {
          type: "matrix_dm",
          value: "@jane:acme.example",
          status: "unsupported",
          reason: "this node has no matrix_dm provider",
        },
      ]);
      const audit = (await node.ctx.store.readAudit("jane")).find(
        (e) => e.type === "request.notified",
      );
      expect(JSON.stringify(audit?.data)).not.toContain("jane@acme.example");
    });

    it("uses one webhook subscription for every request", async () => {
      const auth = await careful();
      const first = await request(node.app).post("/v1/bookings").set(auth).send(SLOT);
      const second = await request(node.app)
        .post("/v1/bookings")
        .set(auth)
        .send({ start: "2026-11-23T16:00:00Z", end: "2026-11-23T16:30:00Z" });
      expect([first.status, second.status]).toEqual([202, 202]);
      await receiver.waitFor(() => receiver.received.length >= 2, 10_000);
      const ids = receiver.received.map((r) => JSON.parse(r.body).data.object.booking_id);
      expect(ids.sort()).toEqual([first.body.booking_id, second.body.booking_id].sort());
      const subs = await node.ctx.webhooks.webhookStore.listSubscriptions("jane");
      expect(subs.filter((s) => s.url === receiver.url)).toHaveLength(1);
      await expect
        .poll(async () => (await listRequestNotices(node.ctx.notify, JANE)).length)
        .toBe(2);
    });

    it("notifies of a request from outside to a profile that needs acknowledgement", async () => {
      const changed = await request(node.app)
        .put("/admin/v1/users/jane")
        .set(node.admin)
        .send({
          ...sampleProfileInput("jane", {
            scheduling: [{ type: "weekly", days: ["monday"], hours: ["09:00-17:00"] }],
            allow_anonymous_booking: true,
            response_channel: {
              human_ack_required: true,
              notify: [{ type: "email", value: "jane@acme.example" }],
            },
          }),
        });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      const asked = await request(node.app)
        .post("/api/bookings/jane")
        .send({ start_time: SLOT.start, duration_minutes: 30, requester: "ana@globex.example" });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      await expect.poll(() => smtp.mails.length, { timeout: 10_000 }).toBe(1);
      expect(smtp.mails[0]!.subject).toContain("ana@globex.example");
      expect(minted[0]!.next).toBe(`/inbox#${asked.body.booking_id}`);
    });

    it("tells nobody of a commit that needs no acknowledgement", async () => {
      const res = await request(node.app)
        .post("/admin/v1/users/jane/agents")
        .set(node.admin)
        .send({ name: "Plain", priority: 2 });
      const booked = await request(node.app)
        .post("/v1/bookings")
        .set({ Authorization: `Bearer ${res.body.api_key}` })
        .send(SLOT);
      expect(booked.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.mails).toEqual([]);
      expect(await listRequestNotices(node.ctx.notify, JANE)).toEqual([]);
    });
  });
}
