/**
 * An in-process node for the inbox tests on either store (redis: the node's own Redis
 * connection on the file's shared redis-server, so sessions and login links live there
 * too), with helpers to sign in through the real pages and to make requests that wait
 * for the person.
 */
import request from "supertest";
import { expect } from "vitest";
import { requestBooking } from "../../../src/booking/index.js";
import type { ServerEnvironment } from "../../../src/config.js";
import type { ContextOverrides } from "../../../src/context.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { sharedRedis } from "../../helpers/store-kinds.js";

export const ORIGIN = "https://node.test";

export async function inboxNode(
  kind: "memory" | "redis",
  env: ServerEnvironment = {},
  overrides: ContextOverrides = {},
): Promise<TestNode> {
  let redisUrl: string | undefined;
  if (kind === "redis") {
    const server = await sharedRedis();
    await server.client!.flushAll();
    redisUrl = server.url;
  }
  return createTestNode({ ...env, ...(redisUrl && { redisUrl }) }, overrides);
}

/** A person whose profile waits for their acknowledgement, open all week, in Paris. */
export async function putPerson(
  node: TestNode,
  username: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await request(node.app)
    .put(`/admin/v1/users/${username}`)
    .set(node.admin)
    .send(
      sampleProfileInput(username, {
        timezone: "Europe/Paris",
        scheduling: OPEN_ALL_WEEK,
        allow_anonymous_booking: true,
        response_channel: { human_ack_required: true },
        ...extra,
      }),
    )
    .expect((res) => expect([200, 201]).toContain(res.status));
}

export async function mintLink(node: TestNode, username: string): Promise<string> {
  const res = await request(node.app)
    .post(`/admin/v1/users/${username}/login-links`)
    .set(node.admin)
    .expect(201);
  return new URL(res.body.url as string).searchParams.get("token")!;
}

/** The session cookie (`name=value`) of a Set-Cookie answer. */
export function sessionCookie(res: request.Response): string {
  const set = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const cookie = set.find((c) => c.startsWith("calendario_session=") && !c.includes("Max-Age=0"));
  expect(cookie, "a session cookie").toBeDefined();
  return cookie!.split(";")[0]!;
}

/** The sign-in page's POST of a login link's token, as the browser sends it. */
export function postSignIn(node: TestNode, token: string) {
  return request(node.app).post("/inbox/signin").set("Origin", ORIGIN).type("form").send({ token });
}

/** Signs `username` in through the sign-in page's POST; the cookie. */
export async function signIn(node: TestNode, username: string): Promise<string> {
  const res = await postSignIn(node, await mintLink(node, username)).expect(303);
  expect(res.headers.location).toBe("/inbox");
  return sessionCookie(res);
}

/** A request from another organization (a verified peer) that waits for `username`. */
export async function pendingRequest(
  node: TestNode,
  username: string,
  opts: { subject?: string; note?: string; hoursAhead?: number; requester?: string } = {},
): Promise<string> {
  const now = await node.ctx.store.now();
  const start = Math.ceil(now / 3_600_000) * 3_600_000 + (opts.hoursAhead ?? 48) * 3_600_000;
  const requester = opts.requester ?? "ana@globex.invalid";
  const result = await requestBooking(
    node.ctx.booking,
    {
      kind: "peer",
      did: "did:web:globex.invalid",
      address: requester,
      callbackHosts: [],
    },
    {
      username,
      start,
      durationMinutes: 30,
      requester,
      ...(opts.subject !== undefined && { subject: opts.subject }),
      ...(opts.note !== undefined && { note: opts.note }),
    },
  );
  expect(result.outcome).toBe("pending");
  return (result as { booking: { id: string } }).booking.id;
}

/** An agent of `username` made through the admin API: its id and Authorization header. */
export async function makeAgent(node: TestNode, username: string, name: string, priority = 1) {
  const res = await request(node.app)
    .post(`/admin/v1/users/${username}/agents`)
    .set(node.admin)
    .send({ name, priority })
    .expect(201);
  return { id: res.body.agent_id as string, auth: { Authorization: `Bearer ${res.body.api_key}` } };
}

/**
 * The pages as a signed-in person: GETs carry the session cookie; POSTs also the Origin,
 * as a form, as the browser sends them.
 */
export function asPerson(node: TestNode, cookie: string) {
  return {
    get: (path: string) => request(node.app).get(path).set("Cookie", cookie),
    post: (path: string) =>
      request(node.app).post(path).set("Cookie", cookie).set("Origin", ORIGIN).type("form"),
  };
}
