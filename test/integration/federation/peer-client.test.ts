import http from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { UpstreamError } from "../../../src/errors.js";
import {
  createFreeBusyCache,
  createSafeFetch,
  fetchFreeBusy,
  parseFreeBusy,
  postToPeer,
} from "../../../src/federation/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { rejection } from "../../helpers/rejection.js";

interface Seen {
  method?: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let origin: string;
const seen: Seen[] = [];
let freeBusyAnswer: { status: number; body: string } = { status: 200, body: "{}" };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const json = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "application/json", "x-peer": "yes" });
        res.end(body);
      };
      switch (url.pathname) {
        case "/api/bookings/jane":
          return json(201, '{"status":"confirmed","booking_id":"b1"}');
        case "/api/bookings/busy":
          return json(409, '{"status":"conflict","suggested_times":[]}');
        case "/api/bookings/html":
          res.writeHead(502, { "content-type": "text/html" });
          return res.end("<h1>Bad gateway</h1>");
        case "/api/bookings/big":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(`"${"x".repeat(300 * 1024)}"`);
        case "/api/bookings/slow":
          return;
        case "/api/freebusy/jane":
          return json(freeBusyAnswer.status, freeBusyAnswer.body);
        default:
          return json(404, "{}");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetch = createSafeFetch({ allowInsecure: true, timeoutMs: 2000 });

const upstreamFailure = (promise: Promise<unknown>) => rejection(promise, UpstreamError);

describe("postToPeer", () => {
  it("POSTs the exact body as JSON with the bearer token and returns the peer's answer", async () => {
    const body = JSON.stringify({ start_time: "2026-11-23T15:00:00Z", duration_minutes: 30 });
    const answer = await postToPeer(fetch, {
      url: `${origin}/api/bookings/jane`,
      token: "tok.en.sig",
      body,
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ status: "confirmed", booking_id: "b1" });
    expect(answer.headers["x-peer"]).toBe("yes");
    const req = seen.at(-1)!;
    expect(req.method).toBe("POST");
    expect(req.headers.authorization).toBe("Bearer tok.en.sig");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.body).toBe(body);
  });

  it("returns a refusal as an answer, and a body that is not JSON as undefined", async () => {
    const conflict = await postToPeer(fetch, {
      url: `${origin}/api/bookings/busy`,
      token: "t",
      body: "{}",
    });
    expect(conflict).toMatchObject({ status: 409, body: { status: "conflict" } });
    const html = await postToPeer(fetch, {
      url: `${origin}/api/bookings/html`,
      token: "t",
      body: "{}",
    });
    expect(html).toMatchObject({ status: 502, body: undefined });
  });

  it("answers peer_unreachable when nothing listens or the peer does not answer in time", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const err = await upstreamFailure(
      postToPeer(fetch, { url: `http://127.0.0.1:${port}/x`, token: "t", body: "{}" }),
    );
    expect(err.code).toBe("peer_unreachable");
    const quick = createSafeFetch({ allowInsecure: true, timeoutMs: 200 });
    const slow = await upstreamFailure(
      postToPeer(quick, { url: `${origin}/api/bookings/slow`, token: "t", body: "{}" }),
    );
    expect(slow.code).toBe("peer_unreachable");
  });

  it("refuses an answer over 256 KiB (peer_unverified)", async () => {
    const err = await upstreamFailure(
      postToPeer(fetch, { url: `${origin}/api/bookings/big`, token: "t", body: "{}" }),
    );
    expect(err.code).toBe("peer_unverified");
  });

  it("never sends to a private address without CALENDARIO_ALLOW_INSECURE", async () => {
    const strict = createSafeFetch({ allowInsecure: false });
    const before = seen.length;
    const err = await upstreamFailure(
      postToPeer(strict, { url: `https://127.0.0.1:1/api/bookings/jane`, token: "t", body: "{}" }),
    );
    expect(err.code).toBe("peer_unreachable");
    expect(seen.length).toBe(before);
  });
});

describe("fetchFreeBusy", () => {
  const range = {
    start: Date.parse("2026-11-23T00:00:00Z"),
    end: Date.parse("2026-11-24T00:00:00Z"),
  };

  it("asks for the range, parses busy intervals, and reuses the answer for ttl_seconds", async () => {
    freeBusyAnswer = {
      status: 200,
      body: JSON.stringify({
        busy: [
          { start: "2026-11-23T16:00:00.000Z", end: "2026-11-23T17:00:00.000Z" },
          { start: "2026-11-23T15:00:00.000Z", end: "2026-11-23T15:30:00.000Z" },
        ],
        generated_at: "2026-11-21T12:00:00.000Z",
        ttl_seconds: 60,
      }),
    };
    const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
    const cache = createFreeBusyCache({ clock });
    const url = `${origin}/api/freebusy/jane`;
    const before = seen.length;
    const first = await fetchFreeBusy(fetch, url, range, { cache });
    expect(first).toEqual({
      busy: [
        { start: Date.parse("2026-11-23T15:00:00Z"), end: Date.parse("2026-11-23T15:30:00Z") },
        { start: Date.parse("2026-11-23T16:00:00Z"), end: Date.parse("2026-11-23T17:00:00Z") },
      ],
      ttlSeconds: 60,
    });
    expect(seen.at(-1)?.path).toBe(
      "/api/freebusy/jane?start=2026-11-23T00%3A00%3A00.000Z&end=2026-11-24T00%3A00%3A00.000Z",
    );
    clock.advance(59_000);
    expect(await fetchFreeBusy(fetch, url, range, { cache })).toBe(first);
    expect(seen.length).toBe(before + 1);
    clock.advance(1_000);
    await fetchFreeBusy(fetch, url, range, { cache });
    expect(seen.length).toBe(before + 2);
  });

  it("answers peer_unverified for an answer that is not free/busy, peer_unreachable for a 5xx", async () => {
    const url = `${origin}/api/freebusy/jane`;
    for (const body of ['{"busy":"no"}', '{"busy":[{"start":"tomorrow","end":"x"}]}', "nope"]) {
      freeBusyAnswer = { status: 200, body };
      expect((await upstreamFailure(fetchFreeBusy(fetch, url, range))).code).toBe(
        "peer_unverified",
      );
    }
    freeBusyAnswer = { status: 404, body: "{}" };
    expect((await upstreamFailure(fetchFreeBusy(fetch, url, range))).code).toBe("peer_unverified");
    freeBusyAnswer = { status: 503, body: "{}" };
    expect((await upstreamFailure(fetchFreeBusy(fetch, url, range))).code).toBe("peer_unreachable");
  });

  it("bounds ttl_seconds to 0–600", () => {
    expect(parseFreeBusy({ busy: [], ttl_seconds: 86_400 })?.ttlSeconds).toBe(600);
    expect(parseFreeBusy({ busy: [], ttl_seconds: -5 })?.ttlSeconds).toBe(0);
    expect(parseFreeBusy({ busy: [] })?.ttlSeconds).toBe(0);
  });
});

describe("fetchFreeBusy against a real node", () => {
  let node: TestNode;
  let listening: http.Server;
  let nodeOrigin: string;

  beforeAll(async () => {
    node = await createTestNode();
    await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .send(sampleProfileInput("jane"))
      .expect(201);
    listening = http.createServer(node.app);
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    nodeOrigin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    listening.closeAllConnections();
    await new Promise((resolve) => listening.close(resolve));
    await node.close();
  });

  it("parses the node's /api/freebusy answer", async () => {
    const start = Date.parse("2026-11-23T00:00:00Z");
    const answer = await fetchFreeBusy(fetch, `${nodeOrigin}/api/freebusy/jane`, {
      start,
      end: start + 86_400_000,
    });
    expect(answer).toEqual({ busy: [], ttlSeconds: 60 });
  });
});
