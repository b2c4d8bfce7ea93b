/**
 * The request log: one line per request in pino's own format, with the request id, the
 * method, the path without its query, the status and the time; `warn` with the error
 * code for a 5xx; the line is in the log when the answer arrives.
 */
import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../../src/errors.js";
import { profileFastPath } from "../../../src/http/index.js";
import { createLogger } from "../../../src/logger.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

const raw: string[] = [];
const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);
const lineOf = (reqId: string) => lines().filter((l) => l.reqId === reqId);
let node: TestNode;
let storeDown = false;
let requestLinesFail = false;

beforeAll(async () => {
  node = await createTestNode(
    {},
    {
      logger: createLogger("info", {
        write: (line: string) => {
          if (requestLinesFail && line.includes('"msg":"request"')) throw new Error("disk full");
          raw.push(line);
        },
      }),
    },
  );
  await request(node.app)
    .put("/admin/v1/users/jane")
    .set(node.admin)
    .send(sampleProfileInput("jane"))
    .expect(201);
  const getUser = node.ctx.store.getUser.bind(node.ctx.store);
  node.ctx.store.getUser = (username: string) =>
    storeDown ? Promise.reject(new StoreUnavailableError()) : getUser(username);
});
afterAll(() => node.close());

describe("the request line", () => {
  it("is in the log when the answer arrives, with the request's own id and no query", async () => {
    const res = await request(node.app)
      .get("/.well-known/calendario/jane?secret=s3cr3t")
      .set("X-Request-Id", "req-log.1");
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).toBe("req-log.1");
    const [line, ...more] = lineOf("req-log.1");
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      service: "calendario-node",
      reqId: "req-log.1",
      method: "GET",
      path: "/.well-known/calendario/jane",
      status: 200,
      msg: "request",
    });
    expect(line!.ms).toBeTypeOf("number");
    expect(line!.ms as number).toBeGreaterThanOrEqual(0);
    expect(Math.abs((line!.time as number) - Date.now())).toBeLessThan(60_000);
    expect(raw.join("")).not.toContain("s3cr3t");
  });

  it("has the members in the order pino writes them", async () => {
    await request(node.app).get("/healthz").set("X-Request-Id", "req-log-order");
    const ours = raw.find((l) => l.includes('"req-log-order"'))!;
    const theirs: string[] = [];
    const reference = pino(
      { base: { service: "calendario-node" } },
      { write: (l: string) => void theirs.push(l) },
    );
    const { level, time, service, msg, ...fields } = JSON.parse(ours) as Record<string, unknown>;
    reference.info(fields, msg as string);
    const keys = (l: string) => Object.keys(JSON.parse(l) as object);
    expect(keys(ours)).toEqual(keys(theirs[0]!));
    expect({ level, service }).toEqual({ level: 30, service: "calendario-node" });
    expect(time).toBeTypeOf("number");
  });

  it("gets a fresh id when the request's is not 1–64 of [A-Za-z0-9_.-]", async () => {
    const res = await request(node.app)
      .get("/.well-known/calendario/nobody")
      .set("X-Request-Id", 'bad id"');
    expect(res.status).toBe(404);
    const id = res.headers["x-request-id"] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lineOf(id)).toMatchObject([
      { level: 30, status: 404, path: "/.well-known/calendario/nobody" },
    ]);
  });

  it("escapes what the path holds", async () => {
    // A raw request line: clients would percent-encode the quote and the backslash.
    const server = node.app.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            port,
            host: "127.0.0.1",
            path: '/no/such/"quoted"\\path',
            headers: { "X-Request-Id": "req-log-esc" },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(404);
    } finally {
      server.close();
    }
    expect(lineOf("req-log-esc")).toMatchObject([{ path: '/no/such/"quoted"\\path', status: 404 }]);
  });

  it("is at warn with the error code for a 5xx", async () => {
    storeDown = true;
    try {
      const res = await request(node.app)
        .get("/.well-known/calendario/jane")
        .set("X-Request-Id", "req-log-503");
      expect(res.status).toBe(503);
    } finally {
      storeDown = false;
    }
    expect(lineOf("req-log-503")).toMatchObject([
      { level: 40, status: 503, code: "store_unavailable", msg: "request" },
    ]);
  });

  it("is written alike for a profile the listener serves before express", async () => {
    const server = createServer(profileFastPath(node.ctx, node.app));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    node.ctx.operations.phase = "ready";
    try {
      const served = (id: string, path: string, headers: Record<string, string> = {}) =>
        request(server)
          .get(path)
          .set({ "X-Request-Id": id, ...headers });
      const fast = await served("req-log-fast", "/.well-known/calendario/jane?secret=s3cr3t");
      expect(fast.status).toBe(200);
      expect(fast.headers["x-request-id"]).toBe("req-log-fast");
      await request(node.app)
        .get("/.well-known/calendario/jane?secret=s3cr3t")
        .set("X-Request-Id", "req-log-express");
      const [line, ...more] = lineOf("req-log-fast");
      expect(more).toEqual([]);
      const [theirs] = lineOf("req-log-express");
      const { time, ms, reqId, ...fields } = line!;
      expect(Object.keys(line!)).toEqual(Object.keys(theirs!));
      expect({ ...theirs, time, ms, reqId }).toEqual(line);
      expect(fields).toMatchObject({ path: "/.well-known/calendario/jane", status: 200 });
      expect(ms).toBeTypeOf("number");
      const etag = fast.headers.etag as string;
      expect(
        (
          await served("req-log-fast-304", "/.well-known/calendario/jane", {
            "If-None-Match": etag,
          })
        ).status,
      ).toBe(304);
      expect(lineOf("req-log-fast-304")).toMatchObject([{ level: 30, method: "GET", status: 304 }]);
      expect(raw.join("")).not.toContain("s3cr3t");

      node.ctx.logger.level = "warn";
      try {
        await served("req-log-fast-quiet", "/.well-known/calendario/jane");
      } finally {
        node.ctx.logger.level = "info";
      }
      expect(lineOf("req-log-fast-quiet")).toEqual([]);
    } finally {
      node.ctx.operations.phase = "starting";
      server.close();
    }
  });

  it("failing on the listener's fast path, leaves the answer whole and says so", async () => {
    const server = createServer(profileFastPath(node.ctx, node.app));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    node.ctx.operations.phase = "ready";
    requestLinesFail = true;
    try {
      const res = await request(server)
        .get("/.well-known/calendario/jane")
        .set("X-Request-Id", "req-log-fails");
      expect(res.status).toBe(200);
      expect(res.body.username).toBe("jane");
    } finally {
      requestLinesFail = false;
      node.ctx.operations.phase = "starting";
      server.close();
    }
    expect(lineOf("req-log-fails")).toMatchObject([
      {
        level: 50,
        msg: "profile answered, but its log or metric failed",
        err: { message: "disk full" },
      },
    ]);
  });

  it("is not written below the logger's level", async () => {
    node.ctx.logger.level = "warn";
    try {
      await request(node.app).get("/healthz").set("X-Request-Id", "req-log-quiet");
    } finally {
      node.ctx.logger.level = "info";
    }
    expect(lineOf("req-log-quiet")).toEqual([]);
  });
});
