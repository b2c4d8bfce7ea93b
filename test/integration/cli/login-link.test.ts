/**
 * `calendario login-link <username>` against a node listening on loopback: prints a
 * working link, says why when refused, and explains itself with --help.
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runLoginLink } from "../../../src/cli/login-link.js";
import {
  createTestNode,
  sampleProfileInput,
  TEST_ADMIN_TOKEN,
  type TestNode,
} from "../../helpers/node.js";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await runLoginLink(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("calendario login-link", () => {
  let node: TestNode;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    node = await createTestNode();
    await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .send(sampleProfileInput("jane"));
    server = node.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await node.close();
  });

  it("prints a single-use link minted by the node", async () => {
    const { code, out } = await run([
      "jane",
      "--node",
      base,
      "--token",
      TEST_ADMIN_TOKEN,
      "--json",
    ]);
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { url: string; expires_at: string };
    expect(printed.url).toMatch(/^https:\/\/node\.test\/inbox\/signin\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(printed.url).searchParams.get("token");
    await request(node.app)
      .post("/inbox/signin")
      .set("Origin", "https://node.test")
      .type("form")
      .send({ token })
      .expect(303);
  });

  it("exits 1 for an unknown user or a wrong token, 2 for usage, 3 when the node is unreachable", async () => {
    expect((await run(["nobody", "--node", base, "--token", TEST_ADMIN_TOKEN])).code).toBe(1);
    expect((await run(["jane", "--node", base, "--token", "wrong-token-0123456789"])).code).toBe(1);
    expect((await run([])).code).toBe(2);
    expect((await run(["jane", "--node", "http://127.0.0.1:1", "--token", "x"])).code).toBe(3);
  });

  it("explains itself with --help", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("usage: calendario login-link <username>");
  });
});
