/**
 * Two organizations on loopback for the federation end-to-end test: a real DNS server
 * over UDP pointing `acme.test` and `globex.test` at 127.0.0.1, acme as TWO node
 * processes sharing one redis-server and one DATA_DIR (one PUBLIC_URL, the second process
 * on another port), globex as one process on a redis-server of its own (key prefixes are
 * not namespaced per node, so two organizations never share a Redis database).
 *
 * Discovery finds no TXT record for these names and falls back to
 * `http://<domain>/.well-known/calendario` (http because CALENDARIO_ALLOW_INSECURE=1);
 * the domain of an address carries the port: `jane@acme.test:<port>`. The test talks to
 * the processes at `http://127.0.0.1:<port>`; the nodes talk to each other by name,
 * through the DNS server.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JWK } from "jose";
import type { AuditEvent } from "../../../src/audit/index.js";
import { didWebForDomain, ORG_KEY_FILE } from "../../../src/identity/index.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";
import { type NodeProcess, startNodeProcess } from "../../helpers/node-process.js";
import { freePort } from "../../helpers/ports.js";
import { OPEN_ALL_WEEK } from "../../helpers/profiles.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

export const ADMIN_TOKEN = "federation-e2e-admin-token-0123456789";
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One HTTP call; `token` becomes `Authorization: Bearer`, a string body is sent as it is. */
export async function call(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

/** Polls `read` every 100 ms until `done` holds; throws with the last value at the deadline. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class Org {
  readonly nodes: NodeProcess[] = [];

  constructor(
    /** `acme.test` */
    readonly host: string,
    /** The port PUBLIC_URL names (the first process listens on it). */
    readonly port: number,
    /** Ports of further processes of the organization. */
    readonly extraPorts: number[],
    readonly dataDir: string,
    readonly redis: RedisServer,
    private readonly dnsAddress: string,
  ) {}

  /** `acme.test:<port>`: the domain of its addresses, and of its DID. */
  get domain(): string {
    return `${this.host}:${this.port}`;
  }

  get publicUrl(): string {
    return `http://${this.domain}`;
  }

  /** `did:web:acme.test%3A<port>` */
  get did(): string {
    return didWebForDomain(this.domain);
  }

  address(username: string): string {
    return `${username}@${this.domain}`;
  }

  /** Where the test reaches process `i` directly. */
  url(i = 0): string {
    return `http://127.0.0.1:${i === 0 ? this.port : this.extraPorts[i - 1]}`;
  }

  env(port: number): Record<string, string> {
    return {
      PORT: String(port),
      PUBLIC_URL: this.publicUrl,
      CALENDARIO_ALLOW_INSECURE: "1",
      CALENDARIO_DNS_SERVERS: this.dnsAddress,
      REDIS_URL: this.redis.url,
      DATA_DIR: this.dataDir,
      PROFILES_DIR: path.join(this.dataDir, "no-profiles"),
      ADMIN_TOKEN,
    };
  }

  /** Starts its processes one after the other (the first creates the org key, the rest load it). */
  async start(): Promise<void> {
    for (const port of [this.port, ...this.extraPorts])
      this.nodes.push(await startNodeProcess(this.env(port)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    this.nodes.length = 0;
  }

  /** The organization's private key, as the node keeps it in DATA_DIR. */
  async orgKey(): Promise<JWK> {
    return JSON.parse(await readFile(path.join(this.dataDir, ORG_KEY_FILE), "utf8")) as JWK;
  }

  admin(method: string, pathname: string, body?: unknown): Promise<Answer> {
    return call(`${this.url()}${pathname}`, method, ADMIN_TOKEN, body);
  }

  /** Puts a profile open every day, all day, UTC, no notice; `extra` overrides. */
  async putProfile(username: string, extra: Record<string, unknown> = {}): Promise<Answer> {
    const answer = await this.admin("PUT", `/admin/v1/users/${username}`, {
      version: "0.1",
      username,
      display_name: username,
      timezone: "UTC",
      visibility: "public",
      allow_anonymous_booking: false,
      scheduling: OPEN_ALL_WEEK,
      min_notice_hours: 0,
      response_channel: { human_ack_required: false },
      ...extra,
    });
    if (answer.status !== 200 && answer.status !== 201)
      throw new Error(`PUT ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  }

  /** A new agent of `username`; its API key. */
  async createAgent(username: string, name: string, priority = 1): Promise<Agent> {
    const answer = await this.admin("POST", `/admin/v1/users/${username}/agents`, {
      name,
      priority,
    });
    if (answer.status !== 201)
      throw new Error(`agent ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return {
      id: answer.body.agent_id as string,
      key: answer.body.api_key as string,
      url: this.url(),
    };
  }

  /** The busy intervals of `username`'s public free/busy, ISO strings. */
  async busy(
    username: string,
    range: { start: number; end: number },
  ): Promise<{ start: string; end: string }[]> {
    const q = `start=${iso(range.start)}&end=${iso(range.end)}`;
    const answer = await call(`${this.url()}/api/freebusy/${username}?${q}`, "GET", undefined);
    if (answer.status !== 200)
      throw new Error(`freebusy ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.busy as { start: string; end: string }[];
  }

  /** `username`'s whole audit chain, read with the admin token. */
  async audit(username: string): Promise<AuditEvent[]> {
    const answer = await this.admin("GET", `/v1/audit?user_id=${username}`);
    if (answer.status !== 200)
      throw new Error(`audit ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.events as AuditEvent[];
  }
}

export interface Agent {
  id: string;
  key: string;
  /** The node process it talks to. */
  url: string;
}

export type { AuditEvent };

export const iso = (ms: number) => new Date(ms).toISOString();

const NO_REDIS: RedisServer = { url: "", port: 0, stop: async () => {}, restart: async () => {} };

export interface Federation {
  dns: TestDnsServer;
  acme: Org;
  globex: Org;
  /** Stops globex, optionally deletes its org key (a new one is made), starts it on the same port. */
  restartGlobex(opts: { newOrgKey: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything started in order; what started is stopped by `stop()` even when a later step
 * failed. On Redis (the default) acme runs two processes sharing one Redis; on the memory
 * store, which processes cannot share, one process per organization.
 */
export async function startFederation(
  opts: { store?: "redis" | "memory" } = {},
): Promise<Federation> {
  const memory = opts.store === "memory";
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const dns = await startDnsServer(
      {},
      { a: { "acme.test": ["127.0.0.1"], "globex.test": ["127.0.0.1"] } },
    );
    cleanups.push(() => dns.close());
    const root = await mkdtemp(path.join(tmpdir(), "calendario-federation-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const makeOrg = async (host: string, processes: number) => {
      // An empty REDIS_URL is read as unset: the embedded memory store.
      const redis: RedisServer = memory ? NO_REDIS : await startRedisServer();
      cleanups.push(() => redis.stop());
      const dataDir = path.join(root, host);
      await mkdir(dataDir);
      const ports: number[] = [];
      while (ports.length < processes) {
        const port = await freePort();
        if (!ports.includes(port)) ports.push(port);
      }
      const org = new Org(host, ports[0]!, ports.slice(1), dataDir, redis, dns.address);
      cleanups.push(() => org.stop());
      await org.start();
      return org;
    };
    const acme = await makeOrg("acme.test", memory ? 1 : 2);
    const globex = await makeOrg("globex.test", 1);
    return {
      dns,
      acme,
      globex,
      async restartGlobex({ newOrgKey }) {
        await globex.stop();
        if (newOrgKey) await rm(path.join(globex.dataDir, ORG_KEY_FILE));
        await globex.start();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
