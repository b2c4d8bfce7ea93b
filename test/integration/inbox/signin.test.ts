/**
 * Signing in to the inbox on both stores: login links single-use, expiring, stored
 * hashed; the Origin check; a new session id at every sign-in; sign-out; the admin route.
 */
import { createHash } from "node:crypto";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import type { ManualClock } from "../../../src/clock.js";
import {
  type LoginLinkRecord,
  MemoryPeopleStore,
  type PeopleStore,
  RedisPeopleStore,
  type SessionRecord,
} from "../../../src/people/index.js";
import { sharedRedis, stopSharedRedis } from "../../helpers/store-kinds.js";
import {
  inboxNode,
  mintLink,
  ORIGIN,
  postSignIn,
  putPerson,
  sessionCookie,
  signIn,
} from "./harness.js";

afterAll(() => stopSharedRedis());

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Records the keys the node gives its people store. */
function recording(inner: PeopleStore) {
  const keys: string[] = [];
  const store: PeopleStore = {
    kind: inner.kind,
    putLoginLink: (hash: string, link: LoginLinkRecord, ms: number) => {
      keys.push(hash);
      return inner.putLoginLink(hash, link, ms);
    },
    takeLoginLink: (hash: string) => inner.takeLoginLink(hash),
    putSession: (hash: string, session: SessionRecord, ms: number) => {
      keys.push(hash);
      return inner.putSession(hash, session, ms);
    },
    getSession: (hash: string) => inner.getSession(hash),
    deleteSession: (hash: string) => inner.deleteSession(hash),
  };
  return { store, keys };
}

describe.each(["memory", "redis"] as const)("inbox sign-in (%s store)", (kind) => {
  it("mints a link for a user (201 {url, expires_at}); unknown user 404; no token 401", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const res = await request(node.app)
        .post("/admin/v1/users/jane/login-links")
        .set(node.admin)
        .expect(201);
      expect(res.body.url).toMatch(
        /^https:\/\/node\.test\/inbox\/signin\?token=[A-Za-z0-9_-]{43}$/,
      );
      const ttl = Date.parse(res.body.expires_at) - node.clock.now();
      expect(ttl).toBe(15 * 60_000);
      const missing = await request(node.app)
        .post("/admin/v1/users/nobody/login-links")
        .set(node.admin)
        .expect(404);
      expect(missing.body.error.code).toBe("unknown_user");
      await request(node.app).post("/admin/v1/users/jane/login-links").expect(401);
    } finally {
      await node.close();
    }
  });

  it("stores only the SHA-256 of link tokens and session ids", async () => {
    const redis = kind === "redis" ? await sharedRedis() : undefined;
    const clockHolder: { clock?: ManualClock } = {};
    const inner =
      kind === "redis"
        ? new RedisPeopleStore(redis!.client as never)
        : new MemoryPeopleStore({ now: () => clockHolder.clock!.now() });
    const { store, keys } = recording(inner);
    const node = await inboxNode(kind, {}, { people: store });
    clockHolder.clock = node.clock as ManualClock;
    try {
      await putPerson(node, "jane");
      const token = await mintLink(node, "jane");
      expect(keys).toEqual([sha256(token)]);
      const res = await postSignIn(node, token).expect(303);
      const sessionId = sessionCookie(res).split("=")[1]!;
      expect(keys).toEqual([sha256(token), sha256(sessionId)]);
      if (redis) {
        const stored = await redis.client!.keys("people:*");
        expect(stored.sort()).toEqual([`people:session:{${sha256(sessionId)}}`]);
        const value = await redis.client!.get(stored[0]!);
        expect(value).not.toContain(sessionId);
      }
    } finally {
      await node.close();
    }
  });

  it("shows a Sign in button on GET (spending nothing); the POST signs in once, with a safe cookie", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const token = await mintLink(node, "jane");
      for (let i = 0; i < 2; i++) {
        const page = await request(node.app).get(`/inbox/signin?token=${token}`).expect(200);
        expect(page.text).toContain('<button type="submit" class="primary">Sign in</button>');
        expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
      }
      const res = await postSignIn(node, token).expect(303);
      const set = ([] as string[]).concat(res.headers["set-cookie"]!).join("\n");
      expect(set).toMatch(/HttpOnly/);
      expect(set).toMatch(/SameSite=Strict/);
      expect(set).toMatch(/Path=\/inbox/);
      expect(set).toMatch(/Secure/);
      const cookie = sessionCookie(res);
      const inbox = await request(node.app).get("/inbox").set("Cookie", cookie).expect(200);
      expect(inbox.text).toContain("<h1>Requests</h1>");

      const again = await postSignIn(node, token).expect(400);
      expect(again.text).toContain("already used");
      expect(again.headers["set-cookie"]).toBeUndefined();
    } finally {
      await node.close();
    }
  });

  it("two sign-ins with one link at once: exactly one succeeds", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const token = await mintLink(node, "jane");
      const post = () => postSignIn(node, token);
      const statuses = (await Promise.all([post(), post(), post()])).map((r) => r.status).sort();
      expect(statuses).toEqual([303, 400, 400]);
    } finally {
      await node.close();
    }
  });

  it("refuses an expired link with 410 and no session", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const token = await mintLink(node, "jane");
      (node.clock as ManualClock).advance(15 * 60_000 + 1);
      const res = await postSignIn(node, token).expect(410);
      expect(res.text).toContain("expired");
      expect(res.headers["set-cookie"]).toBeUndefined();
    } finally {
      await node.close();
    }
  });

  it("refuses an unknown or malformed link with 400", async () => {
    const node = await inboxNode(kind);
    try {
      for (const token of ["A".repeat(43), "nope", ""]) await postSignIn(node, token).expect(400);
    } finally {
      await node.close();
    }
  });

  it("refuses a POST without Origin or from another origin (403), spending nothing", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const token = await mintLink(node, "jane");
      const none = await request(node.app).post("/inbox/signin").type("form").send({ token });
      expect(none.status).toBe(403);
      expect(none.headers["set-cookie"]).toBeUndefined();
      await request(node.app)
        .post("/inbox/signin")
        .set("Origin", "https://evil.example")
        .type("form")
        .send({ token })
        .expect(403);
      // The link was not spent by the refused requests.
      await postSignIn(node, token).expect(303);
    } finally {
      await node.close();
    }
  });

  it("gives a new session id at every sign-in and ends the one the browser brought", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const first = await signIn(node, "jane");
      const token = await mintLink(node, "jane");
      const res = await request(node.app)
        .post("/inbox/signin")
        .set("Origin", ORIGIN)
        .set("Cookie", first)
        .type("form")
        .send({ token })
        .expect(303);
      const second = sessionCookie(res);
      expect(second).not.toBe(first);
      await request(node.app).get("/inbox").set("Cookie", second).expect(200);
      const old = await request(node.app).get("/inbox").set("Cookie", first).expect(303);
      expect(old.headers.location).toBe("/inbox/login");
    } finally {
      await node.close();
    }
  });

  it("signs out: the session ends; signing out needs the Origin too", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const cookie = await signIn(node, "jane");
      await request(node.app).post("/inbox/signout").set("Cookie", cookie).expect(403);
      await request(node.app).get("/inbox").set("Cookie", cookie).expect(200);
      const out = await request(node.app)
        .post("/inbox/signout")
        .set("Cookie", cookie)
        .set("Origin", ORIGIN)
        .expect(200);
      expect(([] as string[]).concat(out.headers["set-cookie"]!).join()).toContain("Max-Age=0");
      await request(node.app).get("/inbox").set("Cookie", cookie).expect(303);
    } finally {
      await node.close();
    }
  });

  it("ends sessions after 12 hours", async () => {
    const node = await inboxNode(kind);
    try {
      await putPerson(node, "jane");
      const cookie = await signIn(node, "jane");
      (node.clock as ManualClock).advance(12 * 3_600_000);
      await request(node.app).get("/inbox").set("Cookie", cookie).expect(303);
    } finally {
      await node.close();
    }
  });

  it("without a session, pages send the person to the sign-in page; without SMTP it says to ask the admin", async () => {
    const node = await inboxNode(kind);
    try {
      const res = await request(node.app).get("/inbox/agents").expect(303);
      expect(res.headers.location).toBe("/inbox/login");
      const login = await request(node.app).get("/inbox/login").expect(200);
      expect(login.text).toContain("ask your administrator");
      await request(node.app).get("/inbox/events").expect(401);
    } finally {
      await node.close();
    }
  });
});
