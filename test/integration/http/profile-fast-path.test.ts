/**
 * The listener's fast path for profile GETs answers exactly as express does: the same
 * status, headers (in the same order) and body, for everything it serves and for
 * everything it hands to express; it serves only a GET or HEAD of a public profile while
 * the node is ready.
 */
import { once } from "node:events";
import {
  Agent,
  createServer,
  request as httpRequest,
  type RequestListener,
  type Server,
} from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { StoreUnavailableError } from "../../../src/errors.js";
import { responseMismatches } from "../../../src/http/docs/response-check.js";
import { profileFastPath } from "../../../src/http/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";
import { stopSharedRedis, storeOfKind } from "../../helpers/store-kinds.js";

interface Answer {
  status: number;
  /** Raw header lines in order, without those of this one answer (Date, X-Request-Id). */
  headers: [string, string][];
  requestId: string | undefined;
  body: string;
}

const PER_ANSWER = new Set(["date", "x-request-id"]);

async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port };
}

afterAll(stopSharedRedis);

/**
 * This file sends requests the OpenAPI document does not describe (HEAD, a trailing
 * slash, a capitalized prefix) on purpose, to show both paths answer them alike; the
 * document's check (test/helpers/response-check-setup.ts, run after this) is spared
 * those, and still sees every other answer.
 */
const OFF_DOCUMENT =
  /^(HEAD \/\.well-known\/calendario\/jane|GET \/\.well-known\/calendario\/jane\/|GET \/\.Well-Known\/calendario\/jane) → \d+: no operation in the OpenAPI document$/;
afterAll(() => {
  const seen = responseMismatches();
  const kept = seen.filter((m) => !OFF_DOCUMENT.test(m));
  seen.splice(0, seen.length, ...kept);
});

for (const kind of ["memory", "redis"] as const) {
  describe(`the profile fast path, ${kind} store`, () => {
    let node: TestNode;
    let fast: { server: Server; port: number };
    let plain: { server: Server; port: number };
    /** Requests the fast path handed to express. */
    let handedOn = 0;
    let storeDown = false;
    /** Serves jane's record with an ETag no HTTP header may carry. */
    let badRecord = false;
    let etag: string;
    const agent = new Agent({ keepAlive: true });

    function send(
      port: number,
      method: string,
      path: string,
      headers: Record<string, string> = {},
    ): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, method, path, headers, agent },
          (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => {
              body += c;
            });
            res.on("end", () => {
              const headers: [string, string][] = [];
              for (let i = 0; i < res.rawHeaders.length; i += 2) {
                const name = res.rawHeaders[i]!;
                if (!PER_ANSWER.has(name.toLowerCase()))
                  headers.push([name, res.rawHeaders[i + 1]!]);
              }
              const requestId = res.headers["x-request-id"];
              resolve({
                status: res.statusCode!,
                headers,
                requestId: typeof requestId === "string" ? requestId : undefined,
                body,
              });
            });
          },
        );
        req.on("error", reject);
        req.end();
      });
    }

    /** The same request through both listeners: the answers, and whether express took it. */
    async function both(method: string, path: string, headers: Record<string, string> = {}) {
      const before = handedOn;
      const viaExpress = await send(plain.port, method, path, headers);
      const viaListener = await send(fast.port, method, path, headers);
      return { viaExpress, viaListener, handedOn: handedOn - before };
    }

    beforeAll(async () => {
      const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
      const store = await storeOfKind(kind, clock);
      node = await createTestNode({}, { clock, ...(store && { store }) });
      for (const [name, visibility] of [
        ["jane", "public"],
        ["hidden", "private"],
      ] as const)
        await request(node.app)
          .put(`/admin/v1/users/${name}`)
          .set(node.admin)
          .send(sampleProfileInput(name, { visibility }))
          .expect(201);
      // Both reads a profile GET may use: the fast path's and express's.
      const getUser = node.ctx.store.getUser.bind(node.ctx.store);
      node.ctx.store.getUser = async (username: string) => {
        if (storeDown) throw new StoreUnavailableError();
        const record = await getUser(username);
        return record && badRecord ? { ...record, etag: '"bad\nline"' } : record;
      };
      const getPublished = node.ctx.store.getPublishedProfile.bind(node.ctx.store);
      node.ctx.store.getPublishedProfile = async (username: string) => {
        if (storeDown) throw new StoreUnavailableError();
        const profile = await getPublished(username);
        return profile && badRecord ? { ...profile, etag: '"bad\nline"' } : profile;
      };
      node.ctx.operations.phase = "ready";
      fast = await listen(
        profileFastPath(node.ctx, (req, res) => {
          handedOn++;
          node.app(req, res);
        }),
      );
      plain = await listen(node.app);
      etag = (await send(plain.port, "GET", "/.well-known/calendario/jane")).headers.find(
        ([name]) => name === "ETag",
      )![1];
    });
    afterAll(async () => {
      agent.destroy();
      fast.server.close();
      plain.server.close();
      await node.close();
    });

    const JANE = "/.well-known/calendario/jane";
    it.each([
      ["a public profile", "GET", JANE, {}, 200],
      ["a public profile's HEAD", "HEAD", JANE, {}, 200],
      ["a public profile with a query", "GET", `${JANE}?x=1&y`, {}, 200],
      ["a non-matching If-None-Match", "GET", JANE, { inm: '"nope"' }, 200],
      ["a matching If-None-Match", "GET", JANE, { inm: "ETAG" }, 304],
      ["a weak matching If-None-Match", "GET", JANE, { inm: "W/ETAG" }, 304],
      ["a list holding the ETag", "GET", JANE, { inm: '"a", ETAG' }, 304],
      ["If-None-Match: *", "GET", JANE, { inm: "*" }, 304],
      ["a HEAD with a matching If-None-Match", "HEAD", JANE, { inm: "ETAG" }, 304],
      ["a match with Cache-Control: no-cache", "GET", JANE, { inm: "ETAG", nc: "1" }, 200],
      ["an If-Modified-Since alone", "GET", JANE, { ims: "Sat, 21 Nov 2026 12:00:00 GMT" }, 200],
    ] as const)("serves %s itself, as express does", async (_what, method, path, given, status) => {
      const headers: Record<string, string> = {};
      if ("inm" in given) headers["If-None-Match"] = given.inm.replace("ETAG", etag);
      if ("nc" in given) headers["Cache-Control"] = "no-cache";
      if ("ims" in given) headers["If-Modified-Since"] = given.ims;
      const { viaExpress, viaListener, handedOn } = await both(method, path, headers);
      expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
      expect(handedOn).toBe(0);
      expect(viaListener.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(viaListener.status).toBe(status);
      expect(viaListener.headers).toContainEqual(["ETag", etag]);
      if (method === "GET" && status === 200)
        expect(JSON.parse(viaListener.body).username).toBe("jane");
      else expect(viaListener.body).toBe("");
    });

    it.each([
      ["an unknown user", "GET", "/.well-known/calendario/nobody", {}],
      ["a private profile", "GET", "/.well-known/calendario/hidden", {}],
      ["a private profile, to the admin", "GET", "/.well-known/calendario/hidden", { admin: "1" }],
      ["a percent-encoded username", "GET", "/.well-known/calendario/%6Aane", {}],
      ["a malformed percent-encoding", "GET", "/.well-known/calendario/%zz", {}],
      ["a trailing slash", "GET", "/.well-known/calendario/jane/", {}],
      ["capitals", "GET", "/.well-known/calendario/Jane", {}],
      ["a capitalized prefix", "GET", "/.Well-Known/calendario/jane", {}],
      ["a double slash", "GET", "/.well-known/calendario//jane", {}],
      ["another method", "POST", "/.well-known/calendario/jane", {}],
      ["a username too long", "GET", `/.well-known/calendario/${"a".repeat(65)}`, {}],
      ["the node's metadata", "GET", "/.well-known/calendario", {}],
    ])("hands %s to express unchanged", async (_what, method, path, given) => {
      const headers: Record<string, string> = "admin" in given ? { ...node.admin } : {};
      const { viaExpress, viaListener, handedOn } = await both(method, path, headers);
      expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
      expect(handedOn).toBe(1);
    });

    it("keeps an incoming request id, and replaces one that is not 1–64 of [A-Za-z0-9_.-]", async () => {
      const kept = await both("GET", "/.well-known/calendario/jane", {
        "X-Request-Id": "fast.1_a-b",
      });
      expect(kept.handedOn).toBe(0);
      expect(kept.viaListener.requestId).toBe("fast.1_a-b");
      expect(kept.viaExpress.requestId).toBe("fast.1_a-b");
      const replaced = await send(fast.port, "GET", "/.well-known/calendario/jane", {
        "X-Request-Id": "no spaces allowed",
      });
      expect(replaced.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("hands a failed store read to express, which answers 503 as always", async () => {
      storeDown = true;
      try {
        const { viaExpress, viaListener, handedOn } = await both(
          "GET",
          "/.well-known/calendario/jane",
        );
        expect(viaExpress.status).toBe(503);
        expect(JSON.parse(viaExpress.body).error.code).toBe("store_unavailable");
        expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
        expect(handedOn).toBe(1);
      } finally {
        storeDown = false;
      }
    });

    it("hands a record it cannot send to express, which answers as it always did", async () => {
      badRecord = true;
      try {
        const { viaExpress, viaListener, handedOn } = await both(
          "GET",
          "/.well-known/calendario/jane",
        );
        expect(viaExpress.status).toBe(500);
        expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
        expect(handedOn).toBe(1);
      } finally {
        badRecord = false;
      }
    });

    it("leaves every profile to express unless the node is ready: Connection: close while stopping", async () => {
      for (const phase of ["loading", "stopping"] as const) {
        node.ctx.operations.phase = phase;
        try {
          const { viaExpress, viaListener, handedOn } = await both(
            "GET",
            "/.well-known/calendario/jane",
          );
          expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
          expect(viaListener.status).toBe(200);
          expect(handedOn).toBe(1);
          expect(viaListener.headers).toContainEqual([
            "Connection",
            phase === "stopping" ? "close" : "keep-alive",
          ]);
        } finally {
          node.ctx.operations.phase = "ready";
        }
      }
    });

    it("serves a changed profile's new bytes at once", async () => {
      const before = await send(fast.port, "GET", "/.well-known/calendario/jane");
      await request(node.app)
        .put("/admin/v1/users/jane")
        .set(node.admin)
        .send(sampleProfileInput("jane", { display_name: "Jane Q. Doe" }))
        .expect(200);
      const { viaExpress, viaListener, handedOn } = await both(
        "GET",
        "/.well-known/calendario/jane",
        {
          "If-None-Match": etag,
        },
      );
      expect(handedOn).toBe(0);
      expect(viaListener.status).toBe(200);
      expect(viaListener).toEqual({ ...viaExpress, requestId: viaListener.requestId });
      expect(JSON.parse(viaListener.body).display_name).toBe("Jane Q. Doe");
      expect(viaListener.body).not.toBe(before.body);
    });
  });
}
