/**
 * Asking for a sign-in link by email, against an in-process SMTP server (smtp-server):
 * the link reaches the profile's email target and signs in; an unknown user gets the
 * same answer and no mail; asking too often from one client is refused.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../e2e/federation/harness.js";
import { inboxNode, ORIGIN, postSignIn, putPerson, sessionCookie } from "./harness.js";

interface Mail {
  to: string;
  text: string;
}

describe("inbox login by email", () => {
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let smtpUrl: string;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
            mails.push({ to: to?.text ?? "", text: parsed.text ?? "" });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  it("mails a working link to the profile's email target; the answer never says who exists", async () => {
    const node = await inboxNode("memory", { smtpUrl, smtpFrom: "inbox@node.test" });
    try {
      await putPerson(node, "jane", {
        response_channel: {
          human_ack_required: true,
          notify: [{ type: "email", value: "jane@mail.test" }],
        },
      });
      const form = await request(node.app).get("/inbox/login").expect(200);
      expect(form.text).toContain('<label for="who">');
      const ask = (username: string) =>
        request(node.app)
          .post("/inbox/login")
          .set("Origin", ORIGIN)
          .type("form")
          .send({ username });
      const known = await ask("jane@node.test").expect(200);
      const unknown = await ask("nobody").expect(200);
      expect(unknown.text).toBe(known.text);
      const mail = await waitFor(
        "the login email",
        async () => mails.find((m) => m.to === "jane@mail.test"),
        (m) => m !== undefined,
      );
      expect(mails).toHaveLength(1);
      const url = /https:\/\/node\.test\/inbox\/signin\?token=([A-Za-z0-9_-]{43})/.exec(mail!.text);
      expect(url).not.toBeNull();
      const res = await postSignIn(node, url![1]!).expect(303);
      await request(node.app).get("/inbox").set("Cookie", sessionCookie(res)).expect(200);
      // Without Origin nothing is sent.
      await request(node.app)
        .post("/inbox/login")
        .type("form")
        .send({ username: "jane" })
        .expect(403);
    } finally {
      await node.close();
    }
  });

  it("limits how often one client may ask (429 with Retry-After)", async () => {
    const node = await inboxNode("memory", { smtpUrl });
    try {
      let last = 0;
      for (let i = 0; i < 11; i++) {
        const res = await request(node.app)
          .post("/inbox/login")
          .set("Origin", ORIGIN)
          .type("form")
          .send({ username: `someone${i}` });
        last = res.status;
        if (i < 10) expect(res.status).toBe(200);
        else expect(res.headers["retry-after"]).toMatch(/^\d+$/);
      }
      expect(last).toBe(429);
    } finally {
      await node.close();
    }
  });
});
