/**
 * Malformed requests are the client's fault: a path parameter that is not percent-encoded
 * UTF-8 in any route, a body that does not decompress, a raw non-ASCII path. Each gets a
 * JSON error with a 4xx status and a stable code, and nothing is logged as a failure.
 */
import { mkdtemp, rm } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envToConfig } from "../../../src/config.js";
import { ROUTES } from "../../../src/http/docs/routes.js";
import { createApp } from "../../../src/http/index.js";
import { createLogger } from "../../../src/logger.js";
import { type RunningNode, startNode } from "../../../src/server.js";
import { freePort } from "../../helpers/ports.js";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** [METHOD, express path] of every route the app registers. */
function registeredRoutes(app: Express): [string, string][] {
  const out: [string, string][] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== "_all") out.push([method.toUpperCase(), layer.route.path]);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

/** Not percent-encoded UTF-8: a bad escape, an overlong '.', a lone continuation byte. */
const BAD_SEGMENTS = ["%zz", "%C0%AE", "%ff", "bkg_%E2%80", "%"];

let dir: string;
let node: RunningNode;
const logs: { level: number; msg: string }[] = [];
const TOKEN = "malformed-requests-admin-token-0123456789";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-malformed-"));
  node = await startNode(
    envToConfig({
      port: String(await freePort()),
      host: "127.0.0.1",
      dataDir: path.join(dir, "data"),
      profilesDir: path.join(dir, "profiles"),
      allowInsecure: "1",
    }),
    { adminToken: TOKEN },
    { logger: createLogger("info", { write: (line: string) => logs.push(JSON.parse(line)) }) },
  );
});
afterAll(async () => {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

/** An express app as the server runs it (behind the profile fast path), for its route table. */
const appOf = () => createApp(node.ctx);

/** Every registered route with a path parameter, each parameter in turn made malformed. */
function malformedCases(app: Express): [string, string][] {
  const cases: [string, string][] = [];
  for (const [method, route] of registeredRoutes(app)) {
    const params = route.match(/:\w+/g) ?? [];
    for (const param of params)
      for (const bad of BAD_SEGMENTS)
        cases.push([method, route.replace(/:\w+/g, (p) => (p === param ? bad : "x"))]);
  }
  return cases;
}

/** The inbox is HTML for browsers: its forms carry the node's Origin, and its refusals are pages. */
const isPage = (url: string) => url.startsWith("/inbox");

function send(method: string, url: string) {
  const agent = request(node.server) as unknown as Record<string, (url: string) => request.Test>;
  const req = agent[method.toLowerCase()]!(url).set("Authorization", `Bearer ${TOKEN}`);
  return isPage(url) ? req.set("Origin", node.ctx.cfg.service.publicUrl) : req;
}

describe("a path parameter that is not percent-encoded UTF-8", () => {
  it("covers every route of the route table that has a path parameter", () => {
    const shape = (p: string) => p.replace(/\{\w+\}|:\w+/g, "{}");
    const covered = new Set(registeredRoutes(appOf()).map(([m, p]) => `${m} ${shape(p)}`));
    for (const route of ROUTES.filter((r) => r.path.includes("{")))
      expect(covered).toContain(`${route.method.toUpperCase()} ${shape(route.path)}`);
    expect(malformedCases(appOf()).length).toBeGreaterThan(100);
  });

  it("is a 400 invalid_request with a JSON body on every API route (a 400 page in the inbox), logged as no failure", async () => {
    const before = logs.length;
    const wrong: string[] = [];
    for (const [method, url] of malformedCases(appOf())) {
      const res = await send(method, url);
      const refused = isPage(url)
        ? res.status === 400 && res.type === "text/html"
        : res.status === 400 && res.body?.error?.code === "invalid_request";
      if (!refused) wrong.push(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(wrong).toEqual([]);
    const failures = logs.slice(before).filter((l) => l.level >= 50);
    expect(failures).toEqual([]);
  });

  it("answers the issue's examples with a JSON 400", async () => {
    for (const url of [
      "/api/availability/%zz",
      "/.well-known/calendario/%C0%AE",
      "/admin/v1/users/%ff",
      "/v1/bookings/%zz",
    ]) {
      const res = await send("GET", url);
      expect(res.status).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });
});

/** Sends raw bytes and returns the raw answer (the socket closes after one request). */
function rawRequest(bytes: Buffer): Promise<string> {
  const { port } = node.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
    });
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("a request line node's HTTP parser refuses", () => {
  it("gets a JSON 400 invalid_request, not a bare 400 (a pasted bkg_… id with raw non-ASCII)", async () => {
    for (const target of ["/v1/bookings/bkg_\u2026x", "/api/availability/j\u00e4ne"]) {
      const answer = await rawRequest(
        Buffer.concat([
          Buffer.from("GET "),
          Buffer.from(target, "utf8"),
          Buffer.from(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        ]),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/content-type: application\/json/i);
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body.error.code).toBe("invalid_request");
    }
  });
});

describe("a compressed body that does not decompress", () => {
  const profile = Buffer.from(JSON.stringify({ version: "0.1" }));
  it.each([
    ["gzip", Buffer.from("this is not gzip")],
    ["gzip", zlib.gzipSync(profile).subarray(0, 12)],
    ["deflate", Buffer.from("this is not deflate")],
    ["br", Buffer.from("this is not brotli at all")],
  ])("is a 400 invalid_request (%s), and changes nothing", async (encoding, body) => {
    const before = logs.length;
    const res = await request(node.server)
      .put("/admin/v1/users/zed")
      .set("Authorization", `Bearer ${TOKEN}`)
      .set("Content-Type", "application/json")
      .set("Content-Encoding", encoding)
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(logs.slice(before).filter((l) => l.level >= 50)).toEqual([]);
    expect(await node.ctx.store.getUser("zed")).toBeNull();
  });
});
