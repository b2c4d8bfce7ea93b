/**
 * /openapi.json is a valid OpenAPI 3.1 document and lists exactly the routes the app
 * registers.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, type TestNode } from "../../helpers/node.js";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "GET /v1/bookings/{id}" for every route of the app's router stack. */
function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = layer.route.path.replace(/:(\w+)/g, (_m, name: string) => `{${name}}`);
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== "_all") out.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

/** Path parameter names differ between express and the document; compare by shape. */
const shape = (route: string) => route.replace(/\{\w+\}/g, "{}");

describe("OpenAPI document", () => {
  let node: TestNode;
  let doc: Record<string, unknown>;
  beforeAll(async () => {
    node = await createTestNode();
    const res = await request(node.app).get("/openapi.json").expect(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    doc = res.body;
  });
  afterAll(() => node.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(doc.servers).toEqual([{ url: "https://node.test" }]);
  });

  it("lists every route the app registers, and no other", () => {
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => shape(`${m.toUpperCase()} ${p}`)),
      ),
    );
    // The inbox's pages are for people's browsers, not the API (docs/PROTOCOL.md).
    const registered = new Set(
      registeredRoutes(node.app)
        .filter((r) => !/^[A-Z]+ \/inbox(\/|$)/.test(r))
        .map(shape),
    );
    expect(registered.size).toBeGreaterThan(40);
    expect([...registered].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !registered.has(r))).toEqual([]);
  });

  it("describes the security of each door", () => {
    const paths = doc.paths as Record<string, Record<string, { security: unknown[] }>>;
    expect(paths["/v1/holds"]!.post!.security).toEqual([{ agentKey: [] }]);
    expect(paths["/admin/v1/users"]!.get!.security).toEqual([{ adminToken: [] }]);
    expect(paths["/api/bookings/{username}"]!.post!.security).toEqual([{ requestToken: [] }, {}]);
    expect(paths["/healthz"]!.get!.security).toEqual([]);
  });
});
