/**
 * `calendario request`, run as the real bin (dist/, so `npm run build` first) against a
 * fake receiving node on loopback, found through a real DNS server over UDP: discovery by
 * TXT, the peer's name by A record, its profile and did:web document fetched and
 * verified. The receiver checks every request with the node's own verifier
 * (parseRequestToken + verifyRequestTokenSignature) and answers as told by the username.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { createSafeFetch } from "../../../src/federation/index.js";
import {
  bodyHash,
  buildDidWebDocument,
  createDidResolver,
  createForcedRefreshLimiter,
  didKeySigner,
  didKeyVerificationMethod,
  didWebForDomain,
  generateEd25519Jwk,
  orgSigner,
  parseRequestToken,
  publicJwkOf,
  type Signer,
  type VerifiedRequestToken,
  verifyRequestTokenSignature,
} from "../../../src/identity/index.js";
import { signProfile } from "../../../src/profile/index.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";
import { freePort } from "../../helpers/ports.js";
import { sampleProfileInput } from "../../helpers/profile-input.js";

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin", "calendario.js");
const START = "2030-01-07T15:00:00.000Z";

interface Received {
  username: string;
  /** The exact body bytes, as text. */
  body: string;
  verified?: VerifiedRequestToken;
  problem?: string;
}

/** What each target answers, by username. */
const ANSWERS: Record<string, { status: number; body: Record<string, unknown> }> = {
  jane: {
    status: 201,
    body: {
      status: "confirmed",
      booking_id: "bk_jane_1",
      start_time: START,
      duration_minutes: 30,
      meeting_url: "https://meet.example/jane-1",
      confirmation_message: "See you then.",
    },
  },
  pat: {
    status: 202,
    body: { status: "pending", booking_id: "bk_pat_1", expires_at: "2030-01-06T15:00:00.000Z" },
  },
  busy: {
    status: 409,
    body: {
      status: "conflict",
      reason: "slot_taken",
      suggested_times: ["2030-01-07T16:00:00.000Z", "2030-01-07T17:30:00.000Z"],
      fallback_meeting_url: "https://meet.example/busy",
      error: { code: "conflict", message: "That time is no longer free." },
    },
  },
  full: {
    status: 429,
    body: { error: { code: "rate_limited", message: "Too many requests from you." } },
  },
};

let dns: TestDnsServer;
let receiver: http.Server;
let port: number;
let deadPort: number;
let dir: string;
let env: Record<string, string>;
let requester: Signer;
let requesterKey: JWK;
let keyFile: string;
let profileFile: string;
const received: Received[] = [];

/** The fake receiving node at peer.test:<port>: did:web document, profiles, bookings. */
async function startReceiver(): Promise<void> {
  const { privateJwk: orgKey } = await generateEd25519Jwk();
  const { privateJwk: personKey } = await generateEd25519Jwk();
  const domain = () => `peer.test:${port}`;
  const origin = () => `http://${domain()}`;
  const verifier = {
    resolver: createDidResolver({
      fetchJson: createSafeFetch({ allowInsecure: true }).fetchJson,
      clock: systemClock,
      allowInsecure: true,
    }),
    refreshLimiter: createForcedRefreshLimiter(systemClock),
  };

  async function profileOf(username: string): Promise<Record<string, unknown>> {
    const self = await didKeySigner(personKey);
    const organization = await orgSigner(domain(), orgKey);
    const bookingsOrigin = username === "gone" ? `http://peer.test:${deadPort}` : origin();
    const profile = {
      ...sampleProfileInput(username),
      self: self.did,
      organization: origin(),
      response_channel: {
        human_ack_required: username === "pat",
        notify: [],
        confirm: {
          meeting_response_url: `${bookingsOrigin}/api/bookings/${username}`,
          free_busy_url: `${origin()}/api/freebusy/${username}`,
        },
      },
    };
    const signed = await signProfile(profile, { self, organization, now: Date.now() });
    // Changed after signing: neither proof covers it any more.
    return username === "mallory" ? { ...signed, display_name: "Mallory" } : signed;
  }

  async function book(username: string, token: string, body: Buffer) {
    const entry: Received = { username, body: body.toString("utf8") };
    received.push(entry);
    try {
      const parsed = parseRequestToken(
        token,
        {
          aud: didWebForDomain(domain()),
          htm: "POST",
          htu: `${origin()}/api/bookings/${username}`,
          body,
        },
        Date.now(),
      );
      entry.verified = await verifyRequestTokenSignature(parsed, verifier);
    } catch (err) {
      entry.problem = (err as Error).message;
      return {
        status: 401,
        body: { error: { code: "invalid_token", message: entry.problem } },
      };
    }
    return ANSWERS[username] ?? { status: 404, body: { error: { code: "unknown_user" } } };
  }

  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      const url = req.url ?? "/";
      if (req.method === "GET" && url === "/.well-known/did.json") {
        const did = didWebForDomain(domain());
        return send(200, buildDidWebDocument(did, [publicJwkOf(orgKey)]));
      }
      const profile = /^\/people\/([a-z]+)$/.exec(url);
      if (req.method === "GET" && profile) return send(200, await profileOf(profile[1]!));
      const booking = /^\/api\/bookings\/([a-z]+)$/.exec(url);
      if (req.method === "POST" && booking) {
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
        const answer = await book(booking[1]!, auth?.[1] ?? "", Buffer.concat(chunks));
        return send(
          answer.status,
          answer.body,
          answer.status === 429 ? { "retry-after": "30" } : {},
        );
      }
      send(404, { error: { code: "not_found", message: url } });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  port = (receiver.address() as { port: number }).port;
}

/** The CLI as its own process; resolves with its exit code and output. */
function cli(args: string[], extraEnv: Record<string, string> = env) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const asSam = (target: string, ...more: string[]) => [
  "request",
  target,
  "--start",
  START,
  "--minutes",
  "30",
  "--as",
  profileFile,
  "--key",
  keyFile,
  ...more,
];

/** Requests the receiver saw during `run`. */
async function seen<T>(run: () => Promise<T>): Promise<{ result: T; requests: Received[] }> {
  const before = received.length;
  const result = await run();
  return { result, requests: received.slice(before) };
}

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, "dist", "cli", "request.js")))
    throw new Error("dist/cli/request.js is missing: run `npm run build` first");
  dir = await mkdtemp(path.join(tmpdir(), "calendario-request-"));
  deadPort = await freePort();
  await startReceiver();
  dns = await startDnsServer(
    { "_calendario.peer.test": ["calendario=/people"] },
    { a: { "peer.test": ["127.0.0.1"], "dead.test": ["127.0.0.1"] } },
  );
  env = { CALENDARIO_ALLOW_INSECURE: "1", CALENDARIO_DNS_SERVERS: dns.address };

  ({ privateJwk: requesterKey } = await generateEd25519Jwk());
  requester = await didKeySigner(requesterKey);
  keyFile = path.join(dir, "sam-key.json");
  // As `calendario keygen` writes it.
  await writeFile(
    keyFile,
    JSON.stringify({ did: requester.did, ...requesterKey, kid: requester.kid }),
    { mode: 0o600 },
  );
  profileFile = path.join(dir, "sam.json");
  const samProfile = await signProfile(
    { ...sampleProfileInput("sam"), self: requester.did, organization: "https://sam.example" },
    { self: requester, now: Date.now() },
  );
  await writeFile(profileFile, JSON.stringify(samProfile));
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await dns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("calendario request", () => {
  it("signs and sends a request the receiver verifies; 201 is confirmed (exit 0)", async () => {
    const target = `jane@peer.test:${port}`;
    const { result, requests } = await seen(() =>
      cli(
        asSam(
          target,
          "--subject",
          "Quarterly review",
          "--note",
          "Bring the numbers",
          "--callback-url",
          "https://sam.example/calendario/callbacks",
        ),
      ),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Confirmed: ${target}, ${START}, 30 minutes`);
    expect(result.stdout).toContain("Booking: bk_jane_1");
    expect(result.stdout).toContain("Meeting: https://meet.example/jane-1");
    expect(result.stdout).toContain("See you then.");

    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req!.problem).toBeUndefined();
    // Verified: signature by the requester's did:key, aud, htm, htu and bh as checked above.
    expect(req!.verified).toMatchObject({
      iss: requester.did,
      kid: didKeyVerificationMethod(requester.did),
      claims: {
        aud: `did:web:peer.test%3A${port}`,
        htm: "POST",
        htu: `http://peer.test:${port}/api/bookings/jane`,
        bh: bodyHash(req!.body),
      },
    });
    const claims = req!.verified!.claims;
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);
    expect(JSON.parse(req!.body)).toEqual({
      start_time: START,
      duration_minutes: 30,
      requester: "sam@sam.example",
      subject: "Quarterly review",
      note: "Bring the numbers",
      callback_url: "https://sam.example/calendario/callbacks",
    });

    // Found through the DNS server given, not the system's.
    expect(dns.count("_calendario.peer.test", "TXT")).toBeGreaterThan(0);
    expect(dns.count("peer.test", "A")).toBeGreaterThan(0);
    // The private key appears nowhere.
    expect(result.stdout + result.stderr).not.toContain(requesterKey.d);
  });

  it("sends start_time as UTC and leaves out what was not given; --json prints the answer", async () => {
    const args = asSam(`jane@peer.test:${port}`, "--json");
    args[args.indexOf("--start") + 1] = "2030-01-07T16:00:00+01:00";
    const { result, requests } = await seen(() => cli(args));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(ANSWERS.jane!.body);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.verified).toBeDefined();
    expect(requests[0]!.body).toBe(
      JSON.stringify({ start_time: START, duration_minutes: 30, requester: "sam@sam.example" }),
    );
  });

  it("reports 202 as pending (exit 0)", async () => {
    const res = await cli(asSam(`pat@peer.test:${port}`));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Pending: pat@peer.test:${port} has to accept ${START}`);
    expect(res.stdout).toContain("Booking: bk_pat_1");
    expect(res.stdout).toContain("The request expires at 2030-01-06T15:00:00.000Z");
  });

  it("reports 409 with the suggested times (exit 1), and the raw conflict with --json", async () => {
    const res = await cli(asSam(`busy@peer.test:${port}`));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(
      [
        "Conflict: That time is no longer free.",
        "Suggested times:",
        "  2030-01-07T16:00:00.000Z",
        "  2030-01-07T17:30:00.000Z",
        "Fallback meeting: https://meet.example/busy",
        "",
      ].join("\n"),
    );
    const json = await cli(asSam(`busy@peer.test:${port}`, "--json"));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(ANSWERS.busy!.body);
  });

  it("reports another refusal with its code, message and Retry-After (exit 1)", async () => {
    const res = await cli(asSam(`full@peer.test:${port}`));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(
      "Refused: HTTP 429 rate_limited: Too many requests from you.\nRetry after 30 s\n",
    );
  });

  it("refuses to send when the target's proofs do not verify (exit 1)", async () => {
    const { result, requests } = await seen(() => cli(asSam(`mallory@peer.test:${port}`)));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^calendario: not sent: the profile of mallory@peer\.test:\d+ does not verify: self_proof is invalid \(signature_mismatch/,
    );
    expect(requests).toHaveLength(0);

    const json = await cli(asSam(`mallory@peer.test:${port}`, "--json"));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "peer_unverified" });
  });

  it("exits 3 when the peer cannot be reached: no profile, or no booking endpoint", async () => {
    const noProfile = await cli(asSam(`jane@dead.test:${deadPort}`));
    expect(noProfile.code).toBe(3);
    expect(noProfile.stderr).toMatch(/cannot fetch the profile at http:\/\/dead\.test:\d+\//);

    const { result, requests } = await seen(() => cli(asSam(`gone@peer.test:${port}`)));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      new RegExp(`http://peer\\.test:${deadPort}/api/bookings/gone did not answer`),
    );
    expect(requests).toHaveLength(0);

    const json = await cli(asSam(`gone@peer.test:${port}`, "--json"));
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error.code).toBe("peer_unreachable");
  });

  it("refuses plain http and loopback without CALENDARIO_ALLOW_INSECURE", async () => {
    const { result, requests } = await seen(() =>
      cli(asSam(`jane@peer.test:${port}`), { CALENDARIO_DNS_SERVERS: dns.address }),
    );
    // https to peer.test, whose only address is loopback: the address guard refuses it.
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/https:\/\/peer\.test:\d+\/people\/jane.*127\.0\.0\.1/);
    expect(requests).toHaveLength(0);
  });

  it("exits 2 on usage errors, sending nothing", async () => {
    const target = `jane@peer.test:${port}`;
    const replace = (flag: string, value: string) => {
      const args = asSam(target);
      args[args.indexOf(flag) + 1] = value;
      return args;
    };
    const badKey = path.join(dir, "bad-key.json");
    await writeFile(badKey, `{"kty":"OKP","crv":"Ed25519","d":"${requesterKey.d}"`);
    const { privateJwk: otherKey } = await generateEd25519Jwk();
    const otherKeyFile = path.join(dir, "other-key.json");
    await writeFile(otherKeyFile, JSON.stringify(otherKey));

    const cases: [string[], RegExp][] = [
      [["request"], /whom to ask/],
      [asSam("not-an-address"), /is not an address/],
      [asSam(target, "extra"), /give one user@domain/],
      [asSam(target, "--frobnicate"), /Unknown option/],
      [
        asSam(target).filter((_, i, a) => a[i] !== "--start" && a[i - 1] !== "--start"),
        /--start is required/,
      ],
      [replace("--start", "2030-01-07 15:00"), /--start must be an RFC 3339/],
      [replace("--start", "2030-02-30T15:00:00Z"), /--start must be an RFC 3339/],
      [replace("--start", "2030-01-07T15:00:00"), /--start must be an RFC 3339/],
      [replace("--minutes", "0"), /--minutes must be/],
      [replace("--minutes", "1441"), /--minutes must be/],
      [replace("--minutes", "30.5"), /--minutes must be/],
      [asSam(target, "--callback-url", "ftp://sam.example/x"), /--callback-url/],
      [replace("--key", path.join(dir, "missing.json")), /cannot read the key file/],
      [replace("--key", badKey), /is not JSON/],
      [replace("--key", otherKeyFile), /the profile's self is .* but the key is did:key:/],
      [replace("--as", path.join(dir, "missing.json")), /cannot read the profile/],
    ];
    // Independent processes: run them together.
    const { result: results, requests } = await seen(() =>
      Promise.all(cases.map(([args]) => cli(args))),
    );
    cases.forEach(([args, message], i) => {
      const result = results[i]!;
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain("usage: calendario request");
      expect(result.stdout + result.stderr).not.toContain(requesterKey.d);
    });
    expect(requests).toHaveLength(0);
  }, 60_000);

  it("is listed in calendario help, and request --help exits 0", async () => {
    const help = await cli(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("calendario request <username@domain>");
    const own = await cli(["request", "--help"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("--callback-url");
  });
});
