/**
 * The skill documents are true: every example marked `<!-- checked: name -->` in
 * `GET /api/skill` and `GET /v1/skill` is sent to a node and answers as the text says;
 * the skill names only routes of /openapi.json and tools of the MCP server; /llms.txt
 * points to both documents.
 */
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_LIST } from "../../../src/http/mcp/tools.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

/** What each checked example answers. */
const EXPECTED_STATUS: Record<string, number> = {
  whoami: 200,
  availability: 200,
  hold: 201,
  commit: 201,
  "commit-again": 200,
  "get-booking": 200,
  presence: 200,
  mentions: 200,
  suggestion: 201,
};

interface Example {
  name: string;
  text: string;
}

function checkedExamples(markdown: string): Example[] {
  const out: Example[] = [];
  const re = /<!-- checked: ([\w.-]+) -->\n```http\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(re)) out.push({ name: m[1]!, text: m[2]! });
  return out;
}

const EVERYDAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

async function userWithAgent(node: TestNode, username: string) {
  await request(node.app)
    .put(`/admin/v1/users/${username}`)
    .set(node.admin)
    .send(
      sampleProfileInput(username, {
        timezone: "UTC",
        scheduling: [{ type: "weekly", days: EVERYDAY, hours: ["08:00-20:00"] }],
      }),
    )
    .expect(201);
  const agent = await request(node.app)
    .post(`/admin/v1/users/${username}/agents`)
    .set(node.admin)
    .send({ name: "Assistant", priority: 2, scopes: ["availability", "holds", "bookings"] })
    .expect(201);
  return agent.body.api_key as string;
}

/** Sends each example in order, filling in the key and the ids earlier answers gave. */
async function runExamples(node: TestNode, markdown: string, key: string) {
  const examples = checkedExamples(markdown);
  expect(examples.map((e) => e.name)).toEqual(Object.keys(EXPECTED_STATUS));
  const ids: Record<string, string> = { "<agent key>": key };
  for (const ex of examples) {
    const filled = ex.text.replace(/<[a-z_ ]+>/g, (m) => ids[m] ?? m);
    const [head = "", body] = filled.split("\n\n");
    const [start = "", ...headerLines] = head.split("\n");
    const [method = "", target = ""] = start.split(" ");
    let req = request(node.app)[method.toLowerCase() as "get"](target);
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      req = req.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const res = await (body === undefined ? req : req.send(body));
    expect(res.status, `${ex.name}: ${JSON.stringify(res.body)}`).toBe(EXPECTED_STATUS[ex.name]);
    if (res.body.hold_id) ids["<hold_id>"] = res.body.hold_id;
    if (res.body.booking_id) ids["<booking_id>"] = res.body.booking_id;
    if (ex.name === "availability") expect(res.body.slots.length).toBeGreaterThan(0);
  }
}

/** `GET /v1/x/{id}` shapes of every route the skill names. */
function namedRoutes(markdown: string): string[] {
  const found = new Set<string>();
  for (const m of markdown.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)/g))
    found.add(`${m[1]} ${m[2]!.replace(/<[^>]+>|\{[^}]+\}/g, "{}")}`);
  return [...found];
}

describe("skill documents", () => {
  let node: TestNode;
  let janeKey: string;
  let samKey: string;
  beforeAll(async () => {
    node = await createTestNode();
    janeKey = await userWithAgent(node, "jane");
    samKey = await userWithAgent(node, "sam");
  });
  afterAll(() => node.close());

  it("GET /api/skill is public markdown in the SKILL.md shape, and its examples run", async () => {
    const res = await request(node.app).get("/api/skill").expect(200);
    expect(res.headers["content-type"]).toBe("text/markdown; charset=utf-8");
    const front = /^---\nname: ([a-z0-9-]+)\ndescription: (.+)\n---\n/.exec(res.text);
    expect(front?.[1]).toBe("calendario-booking");
    expect(front?.[2]?.length).toBeLessThanOrEqual(1024);
    for (const reason of [
      "blackout",
      "outside_schedule",
      "insufficient_notice",
      "focus_time",
      "daily_limit",
      "idempotency_key_reused",
    ])
      expect(res.text).toContain(`\`${reason}\``);
    await runExamples(node, res.text, janeKey);
  });

  it("GET /v1/skill is personalized and its examples run against a real free slot", async () => {
    await request(node.app).get("/v1/skill").expect(401);
    const res = await request(node.app)
      .get("/v1/skill")
      .set("Authorization", `Bearer ${samKey}`)
      .expect(200);
    expect(res.headers["content-type"]).toBe("text/markdown; charset=utf-8");
    expect(res.text).toMatch(/You are agent `agt_[\w-]+` \("Assistant"\) of user `sam`/);
    expect(res.text).toContain("rank 1 of the 1 agent of this user");
    expect(res.text).toContain("The user's time zone is `UTC`");
    await runExamples(node, res.text, samKey);
  });

  it("names only routes of /openapi.json and tools of the MCP server", async () => {
    const doc = (await request(node.app).get("/openapi.json").expect(200)).body;
    const paths = new Set(
      Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, "{}")}`),
      ),
    );
    for (const text of [
      (await request(node.app).get("/api/skill")).text,
      (await request(node.app).get("/v1/skill").set("Authorization", `Bearer ${janeKey}`)).text,
    ]) {
      const named = namedRoutes(text);
      expect(named.length).toBeGreaterThan(10);
      expect(named.filter((r) => !paths.has(r))).toEqual([]);
      const mcp = /## MCP\n\n([\s\S]*?)\n## /.exec(text)![1]!;
      const tools = [...mcp.matchAll(/`([a-z]+_[a-z_]+|whoami)`/g)].map((m) => m[1]);
      expect(tools).toEqual(TOOL_LIST.map((t) => t.name));
    }
  });

  it("GET /llms.txt points to the skill and the OpenAPI document", async () => {
    const res = await request(node.app).get("/llms.txt").expect(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text).toContain("https://node.test/api/skill");
    expect(res.text).toContain("https://node.test/openapi.json");
    expect(res.text).toMatch(/^# /);
  });
});
