/**
 * An MCP `commit_booking` call against the REST commit (`POST /v1/bookings`), one node on
 * one real Redis, in one run. Every request is a fresh slot committed by an agent that
 * outranks its user's other agents (nothing waits for the arbitration window), so the
 * difference is the door: the MCP one builds a server and a transport per request
 * (stateless) and speaks JSON-RPC. Each MCP request is one `tools/call` POST, as a
 * connected client sends it after its `initialize`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import autocannon from "autocannon";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { ADMIN_TOKEN, createUser } from "./bench-users.js";
import { ratio, startServer } from "./http-load.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const USERS = 16;
const SLOT_MS = 30 * 60_000;
const SPACING_MS = 60 * 60_000;
const DAY_MS = 86_400_000;
const CONNECTIONS = 50;
const DURATION_SEC = 5;

const iso = (ms: number) => new Date(ms).toISOString();

function slotFor(n: number, base: number) {
  const start = base + Math.floor(n / USERS) * SPACING_MS;
  return { user: n % USERS, start, end: start + SLOT_MS };
}

async function api(url: string, token: string, body: unknown, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const MCP_HEADERS = {
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
};

function mcpCall(slot: { start: number; end: number }, id: number) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "commit_booking", arguments: { start: iso(slot.start), end: iso(slot.end) } },
  };
}

async function load(
  url: string,
  door: "rest" | "mcp",
  keys: string[],
  next: () => number,
  base: number,
  durationSec = DURATION_SEC,
) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationSec,
    requests: [
      {
        method: "POST",
        path: door === "rest" ? "/v1/bookings" : "/mcp",
        setupRequest: (req) => {
          const n = next();
          const slot = slotFor(n, base);
          return {
            ...req,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${keys[slot.user]}`,
              ...(door === "mcp" && MCP_HEADERS),
            },
            body: JSON.stringify(
              door === "rest" ? { start: iso(slot.start), end: iso(slot.end) } : mcpCall(slot, n),
            ),
          };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function benchMcp(rounds = 2): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-mcp-"));
  const redis = await startRedisServer();
  let stop: (() => Promise<void>) | undefined;
  try {
    const node = await startServer(path.join(HERE, "servers/node.ts"), {
      REDIS_URL: redis.url,
      DATA_DIR: path.join(dir, "data"),
      PROFILES_DIR: path.join(dir, "no-profiles"),
      LOG_LEVEL: "warn",
      ADMIN_TOKEN,
      PUBLIC_URL: "https://bench.example",
    });
    stop = () => node.stop();
    const url = `http://127.0.0.1:${node.port}`;
    const keys: string[] = [];
    for (let u = 0; u < USERS; u++) keys.push((await createUser(url, `bench${u}`, [1, 2]))[0]!);

    // REST and MCP book far-apart stretches of the future, never the same slot.
    const base = Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    const restBase = base;
    const mcpBase = base + 2_000 * DAY_MS;
    let restN = 0;
    let mcpN = 0;
    const nextRest = () => restN++;
    const nextMcp = () => mcpN++;

    // One MCP commit checked by hand: a 200 whose result is `committed`.
    const sample = slotFor(nextMcp(), mcpBase);
    const first = await api(`${url}/mcp`, keys[sample.user]!, mcpCall(sample, 0), MCP_HEADERS);
    if (first.status !== 200 || !first.text.includes('"outcome":"committed"'))
      throw new Error(`sample MCP commit: ${first.status} ${first.text.slice(0, 300)}`);

    await load(url, "rest", keys, nextRest, restBase, 1);
    await load(url, "mcp", keys, nextMcp, mcpBase, 1);
    const rest = [];
    const mcp = [];
    for (let i = 0; i < rounds; i++) {
      rest.push(await load(url, "rest", keys, nextRest, restBase));
      mcp.push(await load(url, "mcp", keys, nextMcp, mcpBase));
    }
    // Every MCP call a commit (a tool error would still be a 200): count the bookings.
    let mcpBooked = 0;
    for (const key of keys) {
      const range = `range_start=${iso(mcpBase)}&range_end=${iso(mcpBase + 300 * DAY_MS)}`;
      const res = await fetch(`${url}/v1/bookings?${range}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      mcpBooked += ((await res.json()) as { bookings: unknown[] }).bookings.length;
    }
    const mean = (xs: Array<{ rps: number }>) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
    return {
      name: "mcp: MCP commit_booking (tools/call) vs REST POST /v1/bookings, uncontended",
      cpus: cpus().length,
      rest: {
        rps: Math.round(mean(rest)),
        p50Ms: rest.map((x) => x.p50Ms),
        p99Ms: rest.map((x) => x.p99Ms),
        non2xx: rest.reduce((s, x) => s + x.non2xx, 0),
      },
      mcp: {
        rps: Math.round(mean(mcp)),
        p50Ms: mcp.map((x) => x.p50Ms),
        p99Ms: mcp.map((x) => x.p99Ms),
        non2xx: mcp.reduce((s, x) => s + x.non2xx, 0),
        calls: mcpN,
        committed: mcpBooked,
      },
      ratio: ratio(mean(mcp), mean(rest)),
      target: ">= 0.7",
      connections: CONNECTIONS,
      errors: [...rest, ...mcp].reduce((s, x) => s + x.errors, 0),
    };
  } finally {
    await stop?.();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
