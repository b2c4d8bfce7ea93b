/**
 * The examples of docs/PROTOCOL.md are true. Each example marked `<!-- checked: name -->`
 * is read from the document: requests are sent to an in-process node as written, answers
 * are compared with the examples (ids, keys, hashes and signatures by form, everything
 * else exactly), and the worked examples of §4.4–§4.6 are recomputed from their inputs.
 */
import { createHash, createPrivateKey, hkdfSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import canonicalizeModule from "canonicalize";
import { base64url, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from "jose";
import { base58btc } from "multiformats/bases/base58";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/arbiter/index.js";
import { ManualClock } from "../../src/clock.js";
import {
  buildDidWebDocument,
  deriveUserKey,
  didWebForDomain,
  publicJwkToDidKey,
} from "../../src/identity/index.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { createTestNode, type TestNode } from "../helpers/node.js";
import { startRedisServer } from "../helpers/redis-server.js";

// CommonJS package whose typings declare an ES default export (see src/identity/jcs.ts).
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const DOC = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
const VECTOR = JSON.parse(
  readFileSync(new URL("../fixtures/vectors/profile-proof.json", import.meta.url), "utf8"),
);

// ---------------------------------------------------------------------------------------
// Reading the document

interface Block {
  name: string | undefined;
  illustrative: boolean;
  lang: string;
  text: string;
  line: number;
}

/** Every fenced block, with the `<!-- checked: name -->` or `<!-- illustrative -->` before it. */
function readBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === "") before--;
    const marker = /^<!-- (?:checked: ([\w.-]+)|(illustrative)) -->$/.exec(
      lines[before]?.trim() ?? "",
    );
    blocks.push({
      name: marker?.[1],
      illustrative: marker?.[2] !== undefined,
      lang: open[1] ?? "",
      text: lines.slice(i + 1, end).join("\n"),
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

const BLOCKS = readBlocks(DOC);

function example(name: string): Block {
  const block = BLOCKS.find((b) => b.name === name);
  if (!block) throw new Error(`docs/PROTOCOL.md has no example marked "checked: ${name}"`);
  return block;
}

const exampleJson = (name: string): unknown => JSON.parse(example(name).text);
const exampleText = (name: string): string => example(name).text;

/** A block of `label  value` lines (two or more spaces between them). */
function exampleFields(name: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of exampleText(name).split("\n")) {
    const m = /^(\S.*?)\s{2,}(\S.*)$/.exec(line);
    if (!m) throw new Error(`example "${name}": cannot read line "${line}"`);
    fields[m[1]!] = m[2]!;
  }
  return fields;
}

interface HttpExample {
  startLine: string;
  headers: Record<string, string>;
  body: unknown;
}

/** An `http` block: a request or status line, headers, a blank line and a JSON body. */
function exampleHttp(name: string): HttpExample {
  const [head = "", ...rest] = exampleText(name).split("\n\n");
  const [startLine = "", ...headerLines] = head.split("\n");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyText = rest.join("\n\n").trim();
  return { startLine, headers, body: bodyText === "" ? undefined : JSON.parse(bodyText) };
}

// ---------------------------------------------------------------------------------------
// Comparing answers with examples

const ID_RE = /^(agt|hld|bkg|ctr|evt|usr|whk)_[A-Za-z0-9_-]+$/;
const ID_TOKEN = /(?:agt|hld|bkg|ctr|evt)_[A-Za-z0-9_-]+/g;
const HEX64 = /^[0-9a-f]{64}$/;
const AGENT_KEY = /^cal_agent_[A-Za-z0-9_-]{43}$/;
const GENESIS = "0".repeat(64);

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const wildcard = (text: string) =>
  new RegExp(`^${text.split("…").map(escapeRe).join("[\\s\\S]*")}$`);

/** The random ids of the examples, bound to the ids the node made in their place. */
class IdBindings {
  private readonly real = new Map<string, string>();
  private readonly shown = new Map<string, string>();

  /** Binds `shown` to `actual`, or checks an earlier binding; returns a problem or undefined. */
  bind(shown: string, actual: string): string | undefined {
    const bound = this.real.get(shown);
    if (bound !== undefined)
      return bound === actual ? undefined : `${shown} stands for ${bound} elsewhere, not ${actual}`;
    const other = this.shown.get(actual);
    if (other !== undefined) return `${actual} is shown both as ${other} and as ${shown}`;
    this.real.set(shown, actual);
    this.shown.set(actual, shown);
    return undefined;
  }

  /** `value` with every bound example id replaced by the real one. */
  substitute<T>(value: T): T {
    if (typeof value === "string")
      return value.replace(ID_TOKEN, (id) => this.real.get(id) ?? id) as T;
    if (Array.isArray(value)) return value.map((v) => this.substitute(v)) as T;
    if (typeof value === "object" && value !== null)
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.substitute(v)]),
      ) as T;
    return value;
  }
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Where `actual` differs from the example: ids, agent keys and hashes by form (ids bound
 * consistently), strings with `…` as wildcards, everything else exactly; objects must
 * have the same members.
 */
function templateProblems(shown: unknown, actual: unknown, ids: IdBindings, at = ""): string[] {
  const where = at || "/";
  if (typeof shown === "string") {
    if (typeof actual !== "string") return [`${where}: ${JSON.stringify(actual)} is not a string`];
    if (shown.includes("…"))
      return wildcard(shown).test(actual) ? [] : [`${where}: ${actual} does not match ${shown}`];
    if (ID_RE.test(shown)) {
      if (!ID_RE.test(actual) || actual.slice(0, 4) !== shown.slice(0, 4))
        return [`${where}: ${actual} is not an id like ${shown}`];
      const problem = ids.bind(shown, actual);
      return problem ? [`${where}: ${problem}`] : [];
    }
    if (AGENT_KEY.test(shown))
      return AGENT_KEY.test(actual) ? [] : [`${where}: ${actual} is not an agent key`];
    if (HEX64.test(shown) && shown !== GENESIS)
      return HEX64.test(actual) ? [] : [`${where}: ${actual} is not a SHA-256 hex digest`];
    // Ids inside text (e.g. an error message) stand for the ids bound so far.
    const expected = ids.substitute(shown);
    return expected === actual ? [] : [`${where}: ${JSON.stringify(actual)}, not ${expected}`];
  }
  if (kind(shown) !== kind(actual))
    return [`${where}: ${JSON.stringify(actual)} is not like ${JSON.stringify(shown)}`];
  if (Array.isArray(shown)) {
    const list = actual as unknown[];
    if (list.length !== shown.length)
      return [`${where}: ${list.length} items, the example has ${shown.length}`];
    return shown.flatMap((item, i) => templateProblems(item, list[i], ids, `${at}/${i}`));
  }
  if (typeof shown === "object" && shown !== null) {
    const obj = actual as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort().join(",");
    if (keys(shown) !== keys(obj)) return [`${where}: members ${keys(obj)}, not ${keys(shown)}`];
    return Object.entries(shown).flatMap(([k, v]) =>
      templateProblems(v, obj[k], ids, `${at}/${k}`),
    );
  }
  return shown === actual ? [] : [`${where}: ${JSON.stringify(actual)}, not ${String(shown)}`];
}

/** Where `actual` does not have the form of the example: same members, same JSON types. */
function shapeProblems(shown: unknown, actual: unknown, at = ""): string[] {
  const where = at || "/";
  if (kind(shown) !== kind(actual)) return [`${where}: a ${kind(actual)}, not a ${kind(shown)}`];
  if (Array.isArray(shown)) {
    if (shown.length === 0) return [];
    return (actual as unknown[]).flatMap((item, i) => shapeProblems(shown[0], item, `${at}/${i}`));
  }
  if (typeof shown === "object" && shown !== null) {
    const obj = actual as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort().join(",");
    if (keys(shown) !== keys(obj)) return [`${where}: members ${keys(obj)}, not ${keys(shown)}`];
    return Object.entries(shown).flatMap(([k, v]) => shapeProblems(v, obj[k], `${at}/${k}`));
  }
  return [];
}

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hex = (b64u: string) => Buffer.from(b64u, "base64url").toString("hex");

// ---------------------------------------------------------------------------------------

const CHECKED = [
  "request-token",
  "request-token-body",
  "request-token-claims",
  "request-token-header",
  "node-metadata",
  "did-document",
  "proof",
  "vector-private-jwk",
  "vector-key-bytes",
  "vector-did-key",
  "vector-profile",
  "vector-payload",
  "vector-header",
  "vector-header-b64",
  "vector-signing-input",
  "vector-signature",
  "vector-jws",
  "vector-proof",
  "custodial-derivation",
  "org-did-document",
  "error-shape",
  "dst-profile",
  "dst-spring-request",
  "dst-spring-response",
  "dst-fall-request",
  "dst-fall-response",
  "jane-profile",
  "availability-request",
  "availability-response",
  "availability-bad-request",
  "availability-bad-response",
  "freebusy-request",
  "freebusy-response",
  "rules-request",
  "rules-response",
  "rules-bad-request",
  "rules-bad-response",
  "agent-create-request",
  "agent-create-response",
  "agent-patch-request",
  "agent-list-response",
  "v1-availability-request",
  "v1-availability-response",
  "hold-request",
  "hold-response",
  "hold-conflict-response",
  "hold-release-response",
  "booking-request",
  "booking-response",
  "bookings-list-request",
  "bookings-list-response",
  "booking-get-response",
  "booking-cancel-response",
  "counter-request",
  "counter-response",
  "counter-accept-request",
  "counter-accept-response",
  "booking-conflict-response",
  "booking-rule-request",
  "booking-rule-response",
  "audit-event-data",
  "audit-request",
  "audit-response",
  "checkpoint-jws-header",
  "checkpoint-jws-payload",
  "presence-request",
  "presence-response",
];

describe("docs/PROTOCOL.md", () => {
  it("marks every json and http example as checked or illustrative, and names each once", () => {
    const unmarked = BLOCKS.filter(
      (b) => (b.lang === "json" || b.lang === "http") && !b.name && !b.illustrative,
    ).map((b) => `line ${b.line}`);
    expect(unmarked).toEqual([]);
    const names = BLOCKS.flatMap((b) => (b.name ? [b.name] : []));
    expect(names.length).toBe(new Set(names).size);
  });

  it("checks exactly the examples this file knows", () => {
    const names = BLOCKS.flatMap((b) => (b.name ? [b.name] : []));
    expect([...names].sort()).toEqual([...CHECKED].sort());
  });

  it("names the tests that check it", () => {
    for (const file of [
      "test/integration/protocol-examples.test.ts",
      "test/integration/verify-with-jose.test.ts",
      "test/unit/profile/proofs.test.ts",
    ]) {
      expect(DOC.slice(0, 2000)).toContain(file);
      expect(() => readFileSync(new URL(`../../${file}`, import.meta.url))).not.toThrow();
    }
  });
});

// ---------------------------------------------------------------------------------------
// §4.4–§4.6: recomputed from the inputs, independently of src/

describe("§4.4 worked example (profile-proof vector)", () => {
  const jwk = VECTOR.privateJwk as JWK;
  const publicKey = Buffer.from(jwk.x!, "base64url");
  const multicodec = Buffer.concat([Buffer.from([0xed, 0x01]), publicKey]);
  const did = `did:key:${base58btc.encode(multicodec)}`;
  const kid = `${did}#${did.slice("did:key:".length)}`;
  const profile = exampleJson("vector-profile") as Record<string, unknown>;
  const unsigned = Object.fromEntries(
    Object.entries(profile).filter(
      ([k]) => !["self_proof", "organization_proof", "representing_proof"].includes(k),
    ),
  );
  const payload = canonicalize(unsigned)!;
  const header = JSON.stringify({ alg: "EdDSA", kid });
  const headerB64 = Buffer.from(header).toString("base64url");
  const signingInput = `${headerB64}.${Buffer.from(payload).toString("base64url")}`;
  const privateKey = createPrivateKey({ key: jwk as never, format: "jwk" });
  const signature = sign(null, Buffer.from(signingInput), privateKey);
  const jws = `${headerB64}..${signature.toString("base64url")}`;

  it("starts from RFC 8037 A.1's key and the vector's profile", () => {
    expect(exampleJson("vector-private-jwk")).toEqual(VECTOR.privateJwk);
    expect(exampleFields("vector-key-bytes")).toEqual({
      "d (seed)": hex(jwk.d!),
      "x (public key)": hex(jwk.x!),
    });
    expect(profile).toEqual(VECTOR.profile);
  });

  it("derives the did:key and its verification method (step 2)", () => {
    expect(exampleFields("vector-did-key")).toEqual({
      "multicodec key": multicodec.toString("hex"),
      did,
      kid,
    });
    expect(did).toBe(VECTOR.did);
    expect(kid).toBe(VECTOR.verificationMethod);
    expect(profile.self).toBe(did);
  });

  it("canonicalizes the payload (step 4), 469 bytes of UTF-8", () => {
    expect(exampleText("vector-payload")).toBe(payload);
    expect(payload).toBe(VECTOR.payload);
    expect(Buffer.byteLength(payload, "utf8")).toBe(469);
    expect(DOC).toContain("is 469 bytes");
  });

  it("encodes the protected header and the signing input (steps 5 and 6)", () => {
    expect(exampleText("vector-header")).toBe(header);
    expect(JSON.parse(header)).toEqual(VECTOR.protectedHeader);
    expect(exampleText("vector-header-b64")).toBe(headerB64);
    expect(exampleText("vector-signing-input")).toBe(signingInput);
    expect(signingInput).toBe(VECTOR.signingInput);
    expect(DOC).toContain(`(${signingInput.length} bytes)`);
  });

  it("signs deterministically and forms the detached JWS and the proof (steps 7–9)", () => {
    expect(exampleFields("vector-signature")).toEqual({
      hex: signature.toString("hex"),
      base64url: signature.toString("base64url"),
    });
    expect(exampleText("vector-jws")).toBe(jws);
    expect(jws).toBe(VECTOR.jws);
    expect(exampleJson("vector-proof")).toEqual({
      type: "DIDSignature2021",
      created: VECTOR.created,
      proofPurpose: "assertionMethod",
      verificationMethod: kid,
      jws,
    });
    expect(exampleJson("vector-proof")).toEqual(VECTOR.proof);
  });

  it("verifies with jose as §4.3 describes", async () => {
    const [h, , s] = jws.split(".");
    const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: jwk.x }, "EdDSA");
    const { payload: signed } = await compactVerify(`${h}.${base64url.encode(payload)}.${s}`, key, {
      algorithms: ["EdDSA"],
    });
    expect(new TextDecoder().decode(signed)).toBe(payload);
  });
});

describe("§4.5 custodial keys", () => {
  it("derives jane's key from the organization key with HKDF-SHA256, as the node does", () => {
    const fields = exampleFields("custodial-derivation");
    const orgSeed = Buffer.from(VECTOR.privateJwk.d, "base64url");
    expect(fields["IKM (org seed)"]).toBe(orgSeed.toString("hex"));
    expect(fields.salt).toBe("(empty)");
    expect(fields.info).toBe("calendario custodial user key v1:jane");
    const seed = Buffer.from(hkdfSync("sha256", orgSeed, Buffer.alloc(0), fields.info!, 32));
    expect(fields.seed).toBe(seed.toString("hex"));
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), to read its public key.
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const { x } = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({
      format: "jwk",
    });
    expect(fields["x (public key)"]).toBe(hex(x!));
    const did = `did:key:${base58btc.encode(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(x!, "base64url")]))}`;
    expect(fields.did).toBe(did);

    const derived = deriveUserKey(VECTOR.privateJwk, "jane");
    expect(derived.d).toBe(seed.toString("base64url"));
    expect(publicJwkToDidKey({ kty: "OKP", crv: "Ed25519", x: derived.x })).toBe(did);
  });
});

describe("§4.6 organization DID document", () => {
  it("uses the RFC 7638 thumbprint (RFC 8037 A.3's value) as fragment, as the node builds it", async () => {
    const publicJwk = { kty: "OKP", crv: "Ed25519", x: VECTOR.privateJwk.x };
    const thumbprint = await calculateJwkThumbprint(publicJwk);
    expect(thumbprint).toBe("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    const id = `did:web:acme.example#${thumbprint}`;
    expect(exampleJson("org-did-document")).toEqual({
      "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
      id: "did:web:acme.example",
      verificationMethod: [
        {
          id,
          type: "JsonWebKey2020",
          controller: "did:web:acme.example",
          publicKeyJwk: publicJwk,
        },
      ],
      assertionMethod: [id],
      authentication: [id],
    });
    expect(exampleJson("org-did-document")).toEqual(
      buildDidWebDocument(didWebForDomain("acme.example"), [publicJwk]),
    );
  });
});

// ---------------------------------------------------------------------------------------
// §3, §5–§11: against a node, on either store

const STORES = ["memory", "redis"] as const;

/** A node at https://acme.example whose clock reads 2026-11-21T12:00:00Z, on `store`. */
async function exampleNode(store: (typeof STORES)[number]) {
  const clock = new ManualClock(Date.parse("2026-11-21T12:00:00Z"));
  const env = { publicUrl: "https://acme.example", arbitrationWindowMs: "0" };
  if (store === "memory") {
    const node = await createTestNode(env, { clock });
    return { node, clock, stop: () => node.close() };
  }
  const server = await startRedisServer();
  const node = await createTestNode(env, {
    clock,
    store: await RedisStore.connect(server.url, { clock }),
  });
  return {
    node,
    clock,
    stop: async () => {
      await node.close();
      await server.stop();
    },
  };
}

describe.each(STORES)("examples answered by a node (%s store)", (store) => {
  let node: TestNode;
  let clock: ManualClock;
  let stop: () => Promise<void>;
  const ids = new IdBindings();
  const results = new Map<string, string[]>();
  const auth: Record<string, Record<string, string>> = {};
  let didDocument: Record<string, unknown>;
  let servedProfile: Record<string, unknown>;
  let janeChain: Record<string, unknown>[];
  let auditAnswer: { events: Record<string, unknown>[]; checkpoint: Record<string, unknown> };

  function call(method: string, path: string): request.Test {
    const agent = request(node.app);
    switch (method) {
      case "GET":
        return agent.get(path);
      case "POST":
        return agent.post(path);
      case "PUT":
        return agent.put(path);
      case "PATCH":
        return agent.patch(path);
      case "DELETE":
        return agent.delete(path);
      default:
        throw new Error(`unexpected method ${method}`);
    }
  }

  /** Sends the request of an `http` example, as `who` (a key of `auth`). */
  async function send(name: string, who?: string): Promise<request.Response> {
    const { startLine, headers, body } = exampleHttp(name);
    const [method = "", path = ""] = startLine.split(" ");
    let req = call(method, ids.substitute(path));
    if (headers.authorization !== undefined) {
      if (!who) throw new Error(`example "${name}" needs a caller`);
      req = req.set(auth[who]!);
    }
    if (headers["idempotency-key"] !== undefined)
      req = req.set("Idempotency-Key", headers["idempotency-key"]);
    return body === undefined ? req : req.send(ids.substitute(body) as object);
  }

  /** Compares an answer with the `http` response example `name`. */
  function check(name: string, res: request.Response): void {
    const { startLine, headers, body } = exampleHttp(name);
    const problems: string[] = [];
    const status = Number(startLine.split(" ")[1]);
    if (res.status !== status) problems.push(`status ${res.status}, not ${status}`);
    for (const [header, value] of Object.entries(headers)) {
      if (res.headers[header] !== value)
        problems.push(`${header}: ${String(res.headers[header])}, not ${value}`);
    }
    problems.push(...templateProblems(body, res.body, ids));
    results.set(name, problems);
  }

  const slot = (start: string, end: string) => ({ start, end });

  beforeAll(async () => {
    ({ node, clock, stop } = await exampleNode(store));
    auth.admin = node.admin;
    const admin = (r: request.Test) => r.set(node.admin);

    // §6: the people of the examples.
    expect(
      (
        await admin(request(node.app).put("/admin/v1/users/jane")).send(
          exampleJson("jane-profile") as object,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await admin(request(node.app).put("/admin/v1/users/sam")).send(
          exampleJson("dst-profile") as object,
        )
      ).status,
    ).toBe(201);
    servedProfile = (await request(node.app).get("/.well-known/calendario/jane")).body;
    didDocument = JSON.parse((await request(node.app).get("/.well-known/did.json")).text);

    check("availability-response", await send("availability-request"));
    check("availability-bad-response", await send("availability-bad-request"));
    check("dst-spring-response", await send("dst-spring-request"));
    check("dst-fall-response", await send("dst-fall-request"));

    // §7
    check("rules-response", await send("rules-request", "admin"));
    check("rules-bad-response", await send("rules-bad-request", "admin"));

    // §8: the Assistant as shown; the Recruiting bot with priority 3, then raised to 2.
    const assistant = await send("agent-create-request", "admin");
    check("agent-create-response", assistant);
    auth.assistant = { Authorization: `Bearer ${assistant.body.api_key}` };
    const bot = await admin(request(node.app).post("/admin/v1/users/jane/agents")).send({
      name: "Recruiting bot",
      priority: 3,
    });
    auth.bot = { Authorization: `Bearer ${bot.body.api_key}` };
    const shownBot = (
      exampleHttp("agent-list-response").body as { agents: { name: string; agent_id: string }[] }
    ).agents.find((a) => a.name === "Recruiting bot")!;
    ids.bind(shownBot.agent_id, bot.body.agent_id);
    expect((await send("agent-patch-request", "admin")).status).toBe(200);
    check("agent-list-response", await admin(request(node.app).get("/admin/v1/users/jane/agents")));

    // §9
    check("v1-availability-response", await send("v1-availability-request", "assistant"));
    check("hold-response", await send("hold-request", "bot"));
    check("hold-conflict-response", await send("hold-request", "assistant"));
    check("freebusy-response", await send("freebusy-request"));
    const booked = await send("booking-request", "bot");
    check("booking-response", booked);
    const replay = await send("booking-request", "bot");
    results.set(
      "idempotent replay",
      replay.status === 200 && isDeepStrictEqual(replay.body, booked.body)
        ? []
        : [`replay answered ${replay.status} ${JSON.stringify(replay.body)}`],
    );

    clock.advance(40_000);
    const request409 = exampleHttp("booking-request").body as { start: string; end: string };
    check(
      "booking-conflict-response",
      await request(node.app)
        .post("/v1/bookings")
        .set(auth.assistant)
        .send(slot(request409.start, request409.end)),
    );
    check("booking-rule-response", await send("booking-rule-request", "assistant"));
    check("bookings-list-response", await send("bookings-list-request", "assistant"));
    check("counter-response", await send("counter-request", "assistant"));
    check("counter-accept-response", await send("counter-accept-request", "bot"));
    check(
      "booking-get-response",
      await request(node.app).get(`/v1/bookings/${booked.body.booking_id}`).set(auth.bot),
    );
    const hold2 = await request(node.app)
      .post("/v1/holds")
      .set(auth.bot)
      .send(slot("2026-11-25T15:00:00Z", "2026-11-25T15:30:00Z"));
    check(
      "hold-release-response",
      await request(node.app).delete(`/v1/holds/${hold2.body.hold_id}`).set(auth.bot),
    );
    const accepted = exampleHttp("counter-accept-response").body as {
      booking: { booking_id: string };
    };
    check(
      "booking-cancel-response",
      await request(node.app)
        .delete(`/v1/bookings/${ids.substitute(accepted.booking.booking_id)}`)
        .set(auth.bot),
    );

    // §11
    const audit = await send("audit-request", "assistant");
    check("audit-response", audit);
    auditAnswer = audit.body;
    janeChain = (await admin(request(node.app).get("/v1/audit").query({ user_id: "jane" }))).body
      .events;

    // §14
    check("presence-response", await send("presence-request", "assistant"));
  });
  afterAll(() => stop?.());

  it.each([
    "availability-response",
    "availability-bad-response",
    "dst-spring-response",
    "dst-fall-response",
    "freebusy-response",
    "rules-response",
    "rules-bad-response",
    "agent-create-response",
    "agent-list-response",
    "v1-availability-response",
    "hold-response",
    "hold-conflict-response",
    "hold-release-response",
    "booking-response",
    "idempotent replay",
    "booking-conflict-response",
    "booking-rule-response",
    "bookings-list-response",
    "booking-get-response",
    "booking-cancel-response",
    "counter-response",
    "counter-accept-response",
    "audit-response",
    "presence-response",
  ])("%s is what the node answers", (name) => {
    expect(results.get(name)).toEqual([]);
  });

  it("§3.2 node metadata", async () => {
    const res = await request(node.app).get("/.well-known/calendario");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    const shown = exampleJson("node-metadata") as { software: { version: string } };
    expect(typeof res.body.software.version).toBe("string");
    expect(res.body).toEqual({
      ...shown,
      software: { ...shown.software, version: res.body.software.version },
    });
  });

  it("§3.2 the advertised bookings endpoint takes signed requests only (§13)", async () => {
    const res = await request(node.app).post("/api/bookings/jane").send({
      start_time: "2026-12-07T10:00:00Z",
      duration_minutes: 30,
      requester: "bob@globex.example",
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("§13.1 the request-token example is the known-answer vector", () => {
    const vector = JSON.parse(
      readFileSync(path.join(PACKAGE_ROOT, "test/fixtures/vectors/request-token.json"), "utf8"),
    );
    expect(exampleText("request-token-body")).toBe(vector.request.body);
    expect(exampleJson("request-token-header")).toEqual(vector.protectedHeader);
    expect(exampleJson("request-token-claims")).toEqual(vector.claims);
    expect(exampleText("request-token")).toBe(vector.token);
  });

  it("§3.3 DID document: its form, headers and thumbprint fragment", async () => {
    const res = await request(node.app).get("/.well-known/did.json");
    expect(res.headers["content-type"]).toMatch(/^application\/did\+json/);
    expect(res.headers["cache-control"]).toBe("max-age=300");
    expect(shapeProblems(exampleJson("did-document"), didDocument)).toEqual([]);
    const [method] = didDocument.verificationMethod as { id: string; publicKeyJwk: JWK }[];
    expect(didDocument.id).toBe("did:web:acme.example");
    expect(method!.id).toBe(
      `did:web:acme.example#${await calculateJwkThumbprint(method!.publicKeyJwk)}`,
    );
    expect(didDocument.assertionMethod).toEqual([method!.id]);
    expect(didDocument.authentication).toEqual([method!.id]);
  });

  it("§4.3 proofs have the form shown", () => {
    const shown = exampleJson("proof") as Record<string, unknown>;
    for (const field of ["self_proof", "organization_proof"]) {
      const proof = servedProfile[field] as Record<string, string>;
      expect(shapeProblems(shown, proof)).toEqual([]);
      expect(proof.created).toBe(shown.created);
      expect(proof.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    }
    expect((servedProfile.self_proof as Record<string, string>).verificationMethod).toMatch(
      wildcard(shown.verificationMethod as string),
    );
  });

  it("§5 errors have the form shown", async () => {
    const profile = {
      ...(exampleJson("jane-profile") as object),
      username: "max",
      scheduling: [{ type: "weekly", days: ["monday"], hours: ["08:00-09:00", "12:00-11:00"] }],
    };
    const res = await request(node.app).put("/admin/v1/users/max").set(node.admin).send(profile);
    expect(res.status).toBe(400);
    expect(templateProblems(exampleJson("error-shape"), res.body, new IdBindings())).toEqual([]);
  });

  it("§11.3 the checkpoint is a JWS by the key of the DID document, over the other members", async () => {
    const { jws, ...stated } = auditAnswer.checkpoint as Record<string, unknown> & {
      jws: string;
    };
    const methods = didDocument.verificationMethod as { id: string; publicKeyJwk: JWK }[];
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(jws.split(".")[0]!)));
    const method = methods.find((m) => m.id === header.kid)!;
    expect(didDocument.assertionMethod).toContain(method.id);
    const verified = await compactVerify(jws, await importJWK(method.publicKeyJwk, "EdDSA"), {
      algorithms: ["EdDSA"],
    });
    const payloadText = new TextDecoder().decode(verified.payload);
    expect(payloadText).toBe(canonicalize(stated));
    const payload = JSON.parse(payloadText);
    expect(templateProblems(exampleJson("checkpoint-jws-header"), header, ids)).toEqual([]);
    expect(templateProblems(exampleJson("checkpoint-jws-payload"), payload, ids)).toEqual([]);
    expect(payload.user).toBe("jane");
  });

  it("§11.1 every hash is SHA-256 of the JCS of the event without it, and the chain links", () => {
    const hashOf = ({ hash: _hash, ...event }: Record<string, unknown>) =>
      sha256Hex(canonicalize(event)!);
    for (const event of [...auditAnswer.events, ...janeChain])
      expect(hashOf(event)).toBe(event.hash);
    expect(janeChain.map((e) => e.seq)).toEqual(janeChain.map((_, i) => i + 1));
    janeChain.forEach((event, i) => {
      expect(event.prev_hash).toBe(i === 0 ? GENESIS : janeChain[i - 1]!.hash);
    });
    expect(auditAnswer.checkpoint.head_hash).toBe(janeChain.at(-1)!.hash);
    expect(auditAnswer.checkpoint.seq).toBe(janeChain.at(-1)!.seq);
  });
});

describe.each(STORES)("§11.2 audit event data (%s store)", (store) => {
  let node: TestNode;
  let stop: () => Promise<void>;
  const events: Record<string, unknown>[] = [];

  beforeAll(async () => {
    ({ node, stop } = await exampleNode(store));
    const app = node.app;
    const admin = node.admin;
    const jane = exampleJson("jane-profile") as Record<string, unknown>;
    const ok = (res: request.Response, status = 201) => {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      return res.body;
    };
    ok(await request(app).put("/admin/v1/users/jane").set(admin).send(jane));
    ok(
      await request(app)
        .put("/admin/v1/users/jane/rules")
        .set(admin)
        .send({ buffer_before_minutes: 15 }),
      200,
    );
    const agent = async (name: string, priority: number) => {
      const body = ok(
        await request(app)
          .post("/admin/v1/users/jane/agents")
          .set(admin)
          .send({ name, priority, scopes: ["availability"] }),
      );
      return { id: body.agent_id as string, auth: { Authorization: `Bearer ${body.api_key}` } };
    };
    const a = await agent("Assistant", 1);
    const b = await agent("Recruiting bot", 3);
    ok(
      await request(app)
        .patch(`/admin/v1/users/jane/agents/${b.id}`)
        .set(admin)
        .send({ priority: 2 }),
      200,
    );
    const at = (day: number, hour: number) => ({
      start: `2026-11-${day}T${hour}:00:00Z`,
      end: `2026-11-${day}T${hour}:30:00Z`,
    });
    const hold = async (who: typeof a, when: object) =>
      ok(await request(app).post("/v1/holds").set(who.auth).send(when)).hold_id as string;
    const commit = async (who: typeof a, body: object) =>
      ok(await request(app).post("/v1/bookings").set(who.auth).send(body)).booking_id as string;

    // hold.created, hold.released (released)
    const released = await hold(b, at(23, 15));
    ok(await request(app).delete(`/v1/holds/${released}`).set(b.auth), 200);
    // hold.released (committed), booking.committed with hold_id
    const holdId = await hold(b, at(23, 15));
    const first = await commit(b, { ...at(23, 15), hold_id: holdId, title: "Intro call" });
    // hold.invalidated, booking.committed
    await hold(b, at(23, 16));
    await commit(a, { ...at(23, 16), title: "Intro call" });
    // booking.evicted
    await commit(b, { ...at(23, 17), title: "Intro call" });
    await commit(a, { ...at(23, 17), title: "Intro call" });
    // counter.proposed, counter.rejected, counter.accepted, booking.cancelled (replaced)
    const propose = async () =>
      ok(
        await request(app)
          .post(`/v1/bookings/${first}/counter`)
          .set(a.auth)
          .send({ proposed: [at(24, 15)], note: "Tuesday suits Jane better" }),
      ).counter_id as string;
    const rejected = await propose();
    ok(
      await request(app).post(`/v1/bookings/${first}/counters/${rejected}/reject`).set(b.auth),
      200,
    );
    const acceptedId = await propose();
    const accepted = ok(
      await request(app)
        .post(`/v1/bookings/${first}/counters/${acceptedId}/accept`)
        .set(b.auth)
        .send({ slot_index: 0 }),
    );
    // booking.cancelled (cancelled), agent.revoked
    ok(await request(app).delete(`/v1/bookings/${accepted.booking.booking_id}`).set(b.auth), 200);
    ok(await request(app).delete(`/admin/v1/users/jane/agents/${b.id}`).set(admin), 204);
    // profile.deleted, in another user's chain: archived when the user is deleted
    ok(
      await request(app)
        .put("/admin/v1/users/old")
        .set(admin)
        .send({ ...jane, username: "old" }),
    );
    ok(await request(app).delete("/admin/v1/users/old").set(admin), 204);

    const live = await request(app).get("/v1/audit").set(admin).query({ user_id: "jane" });
    events.push(...ok(live, 200).events);
    const archived = await request(app)
      .get("/v1/audit")
      .set(admin)
      .query({ user_id: "old", archive: 1 });
    events.push(...ok(archived, 200).events);
  });
  afterAll(() => stop?.());

  it("documents every event the node writes, and every documented variant occurs", () => {
    const shown = exampleJson("audit-event-data") as Record<string, unknown[]>;
    const unmatched: string[] = [];
    const used = new Set<unknown>();
    for (const event of events) {
      const variants = shown[event.type as string];
      if (!variants) {
        unmatched.push(`${event.type}: not documented`);
        continue;
      }
      const match = variants.find((v) => shapeProblems(v, event.data).length === 0);
      if (match) used.add(match);
      else unmatched.push(`${event.type}: ${JSON.stringify(event.data)}`);
    }
    expect(unmatched).toEqual([]);
    const unused = Object.entries(shown).flatMap(([type, variants]) =>
      variants.filter((v) => !used.has(v)).map((v) => `${type}: ${JSON.stringify(v)}`),
    );
    expect(unused).toEqual([]);
  });

  it("gives every event the members of §11.1, an evt_ id and an epoch-ms time", () => {
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(
        ["actor", "at", "data", "hash", "id", "prev_hash", "resource", "seq", "type"].sort(),
      );
      expect(event.id).toMatch(/^evt_[A-Za-z0-9_-]+_\d+$/);
      expect(Number.isInteger(event.at)).toBe(true);
      expect(
        ["admin", "system"].includes(event.actor as string) || ID_RE.test(event.actor as string),
      ).toBe(true);
    }
  });
});
