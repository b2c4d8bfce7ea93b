/**
 * `calendario request <user@domain>`: a person who keeps their own key (their own DID,
 * their own signed profile at their own domain) asks someone on another node for a
 * meeting. The target is discovered by DNS TXT, its profile fetched and its proofs
 * verified; then the booking request is signed as the profile's `self` DID and POSTed to
 * the target's `meeting_response_url` (DESIGN "Federation: booking across nodes").
 *
 * Exit codes: 0 confirmed (201) or pending (202); 1 refused (4xx, 409), or not sent
 * because the target's profile does not verify; 2 usage errors; 3 the peer could not be
 * reached (or answered 5xx: nothing was booked, try again later).
 */
import dns from "node:dns";
import { readFile } from "node:fs/promises";
import type { LookupFunction } from "node:net";
import { parseArgs } from "node:util";
import type { JWK } from "jose";
import { systemClock } from "../clock.js";
import { ConfigError, envToConfig, readEnv } from "../config.js";
import { AppError, UpstreamError } from "../errors.js";
import {
  createOutboundLookup,
  createRemoteProfiles,
  createSafeFetch,
  createTxtResolver,
  type DiscoveryOptions,
  type PeerResponse,
  parseAddress,
  postToPeer,
  type RemoteProfile,
  type SafeFetch,
} from "../federation/index.js";
import {
  createDidResolver,
  type DidResolver,
  didKeySigner,
  didWebForDomain,
  type Signer,
  signRequestToken,
} from "../identity/index.js";
import { isoUtc } from "../iso-time.js";

export const REQUEST_USAGE = `usage: calendario request <user@domain> --start <RFC 3339 time> --minutes <5-1440>
         --as <your profile.json> --key <your private JWK file>
         [--subject <text>] [--note <text>] [--callback-url <url>] [--json]
`;

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

/** How the CLI reaches other organizations: the discovery, DNS and fetch the node itself uses. */
export interface CliOutbound {
  allowInsecure: boolean;
  /** The SSRF-safe fetch, its names looked up through CALENDARIO_DNS_SERVERS (cached). */
  fetch: SafeFetch;
  /** TXT discovery through the same servers (cached). */
  discovery: DiscoveryOptions;
  /** did:key and did:web, the latter fetched with `fetch`. */
  resolver: DidResolver;
}

/**
 * RFC 6761 §6.3: `localhost` and names under it are the loopback, answered by the system
 * (its hosts file), never asked of CALENDARIO_DNS_SERVERS. The address guard still
 * refuses loopback unless CALENDARIO_ALLOW_INSECURE is set.
 */
function withLocalhost(lookup: LookupFunction): LookupFunction {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    if (name === "localhost" || name.endsWith(".localhost"))
      return (dns.lookup as (...args: unknown[]) => void)("localhost", options, callback);
    return (lookup as (...args: unknown[]) => void)(hostname, options, callback);
  }) as LookupFunction;
}

/**
 * Outbound settings from CALENDARIO_ALLOW_INSECURE and CALENDARIO_DNS_SERVERS only (a
 * CLI user's other server variables do not matter here). Throws ConfigError.
 */
export function cliOutbound(env: NodeJS.ProcessEnv = process.env): CliOutbound {
  const read = readEnv(env);
  const { outbound } = envToConfig({
    allowInsecure: read.allowInsecure,
    dnsServers: read.dnsServers,
  });
  const { allowInsecure, dnsServers } = outbound;
  const lookup = withLocalhost(createOutboundLookup({ dnsServers, clock: systemClock }));
  const fetch = createSafeFetch({ allowInsecure, lookup });
  return {
    allowInsecure,
    fetch,
    discovery: {
      dnsServers,
      allowInsecure,
      txt: createTxtResolver({ dnsServers, clock: systemClock }),
    },
    resolver: createDidResolver({ fetchJson: fetch.fetchJson, clock: systemClock, allowInsecure }),
  };
}

/** A failure before or instead of an answer from the peer. */
class Stop extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const usage = (message: string) => new Stop(EXIT_USAGE, "usage", message);

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time with an offset, as the UTC instant the protocol sends. */
function parseStart(value: string): string {
  const m = RFC3339_RE.exec(value);
  const ms = m ? Date.parse(value) : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: the fields must survive the round trip.
  const local = m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  if (
    !m ||
    !Number.isFinite(ms) ||
    !local ||
    local.getUTCMonth() !== +m[2]! - 1 ||
    local.getUTCDate() !== +m[3]! ||
    +m[4]! > 23 ||
    +m[5]! > 59 ||
    +m[6]! > 59
  )
    throw usage(
      `--start must be an RFC 3339 date-time with an offset, e.g. 2026-11-23T15:00:00Z, not ${JSON.stringify(value)}`,
    );
  return isoUtc(ms);
}

function parseMinutes(value: string): number {
  const n = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 5 || n > 1440)
    throw usage(`--minutes must be a whole number from 5 to 1440, not ${JSON.stringify(value)}`);
  return n;
}

function parseCallbackUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage(`--callback-url ${JSON.stringify(value)} is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw usage(`--callback-url must be an https URL, not ${JSON.stringify(value)}`);
  return value;
}

/** The signer of the key file; never quotes the file, which holds the private key. */
async function loadSigner(file: string): Promise<Signer> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw usage(
      `cannot read the key file ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw usage(`the key file ${file} is not JSON (a private JWK, as calendario keygen writes)`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw usage(`the key file ${file} is not a JWK object`);
  const { kty, crv, x, y, d } = doc as Record<string, unknown>;
  if (typeof d !== "string") throw usage(`the key file ${file} holds no private key ("d")`);
  const jwk = { kty, crv, x, d, ...(y !== undefined && { y }) } as JWK;
  try {
    return await didKeySigner(jwk);
  } catch {
    throw usage(`the key file ${file} is not a usable private JWK (Ed25519 or P-256)`);
  }
}

/** The host (with port) that `organization` names: a URL or a bare host. */
function organizationHost(organization: unknown): string | undefined {
  if (typeof organization !== "string" || organization === "") return undefined;
  return (URL.canParse(organization) ? new URL(organization).host : organization).toLowerCase();
}

/** The requester's address from their own profile, whose `self` must be the key's DID. */
async function loadRequester(file: string, signer: Signer): Promise<string> {
  let profile: unknown;
  try {
    profile = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw usage(`cannot read the profile ${file}: ${(err as Error).message}`);
  }
  if (typeof profile !== "object" || profile === null || Array.isArray(profile))
    throw usage(`the profile ${file} is not a JSON object`);
  const { username, self, organization } = profile as Record<string, unknown>;
  if (self !== signer.did)
    throw usage(
      `the profile's self is ${JSON.stringify(self)}, but the key is ${signer.did}: use the key the profile was signed with`,
    );
  const host = organizationHost(organization);
  if (typeof username !== "string" || !host)
    throw usage(`the profile ${file} needs a username and an organization (your domain)`);
  const address = `${username}@${host}`;
  if (!parseAddress(address) || address.includes("/"))
    throw usage(`the profile ${file} gives no address: ${JSON.stringify(address)}`);
  return address.toLowerCase();
}

/** The request is not sent: the target cannot be trusted or used. */
function refuse(message: string): Stop {
  return new Stop(EXIT_REFUSED, "peer_unverified", `not sent: ${message}`);
}

/**
 * What a requester needs to trust before sending: the same binding a node asks of a
 * requester, the other way round. An organization_proof by `did:web:<domain>` for the
 * domain the profile was discovered at, and no proof that fails.
 */
function checkTarget(remote: RemoteProfile): void {
  const { address, domain, profile, proofs } = remote;
  for (const [field, result] of Object.entries(proofs))
    if (result.status === "invalid")
      throw refuse(
        `the profile of ${address} does not verify: ${field} is invalid (${result.reason}: ${result.message})`,
      );
  const org = proofs.organization_proof;
  if (org.status !== "valid")
    throw refuse(
      `the profile of ${address} has no organization_proof: nobody at ${domain} vouches for it`,
    );
  const orgDid = didWebForDomain(domain);
  if (org.signer !== orgDid)
    throw refuse(`the organization_proof of ${address} is by ${org.signer}, not by ${orgDid}`);
  if (organizationHost(profile.organization) !== domain)
    throw refuse(
      `the profile of ${address} names the organization ${JSON.stringify(profile.organization)}, not ${domain}`,
    );
}

function meetingResponseUrl(remote: RemoteProfile): string {
  const channel = remote.profile.response_channel as {
    confirm?: { meeting_response_url?: unknown };
  };
  const url = channel?.confirm?.meeting_response_url;
  if (typeof url !== "string" || !URL.canParse(url))
    throw refuse(
      `the profile of ${remote.address} has no response_channel.confirm.meeting_response_url`,
    );
  const parsed = new URL(url);
  if (!/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash)
    throw refuse(
      `the meeting_response_url of ${remote.address} (${url}) is not an http(s) URL without query`,
    );
  return url;
}

/** A peer that gave no usable answer: unreachable (3) or unusable (1). Anything else is a bug. */
function fromUpstream(err: unknown, prefix = ""): Stop {
  if (err instanceof Stop) return err;
  if (err instanceof UpstreamError) {
    if (err.code === "peer_unverified")
      return new Stop(EXIT_REFUSED, err.code, `${prefix}${err.message}`);
    return new Stop(EXIT_UNREACHABLE, "peer_unreachable", `${prefix}${err.message}`);
  }
  if (err instanceof AppError) return new Stop(EXIT_REFUSED, err.code, `${prefix}${err.message}`);
  throw err;
}

interface Asked {
  address: string;
  startTime: string;
  minutes: number;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The peer's answer in words, one fact a line. */
function describe(res: PeerResponse, asked: Asked): string {
  const body = (typeof res.body === "object" && res.body !== null ? res.body : {}) as Record<
    string,
    unknown
  >;
  const error = (typeof body.error === "object" && body.error !== null ? body.error : {}) as Record<
    string,
    unknown
  >;
  const lines: string[] = [];
  if (res.status === 201) {
    lines.push(
      `Confirmed: ${asked.address}, ${str(body.start_time) ?? asked.startTime}, ${body.duration_minutes ?? asked.minutes} minutes`,
    );
    if (str(body.booking_id)) lines.push(`Booking: ${body.booking_id}`);
    if (str(body.meeting_url)) lines.push(`Meeting: ${body.meeting_url}`);
    if (str(body.confirmation_message)) lines.push(String(body.confirmation_message));
  } else if (res.status === 202) {
    lines.push(
      `Pending: ${asked.address} has to accept ${asked.startTime}, ${asked.minutes} minutes`,
    );
    if (str(body.booking_id)) lines.push(`Booking: ${body.booking_id}`);
    if (str(body.expires_at)) lines.push(`The request expires at ${body.expires_at}`);
  } else if (res.status === 409) {
    lines.push(
      `Conflict: ${str(error.message) ?? str(body.reason) ?? `${asked.startTime} is not available`}`,
    );
    const times = Array.isArray(body.suggested_times) ? body.suggested_times.map(String) : [];
    if (times.length > 0) lines.push("Suggested times:", ...times.map((t) => `  ${t}`));
    else lines.push("No other time was suggested.");
    if (str(body.fallback_meeting_url))
      lines.push(`Fallback meeting: ${body.fallback_meeting_url}`);
  } else {
    const code = str(error.code) ?? "error";
    const what = res.status >= 500 ? "Not handled" : "Refused";
    lines.push(
      `${what}: HTTP ${res.status} ${code}${str(error.message) ? `: ${error.message}` : ""}`,
    );
    const retryAfter = res.headers["retry-after"];
    if (retryAfter) lines.push(`Retry after ${retryAfter} s`);
  }
  return `${lines.join("\n")}\n`;
}

function exitCodeFor(status: number): number {
  if (status === 201 || status === 202) return EXIT_OK;
  if (status >= 500) return EXIT_UNREACHABLE;
  return EXIT_REFUSED;
}

interface Options {
  address: string;
  start: string;
  minutes: number;
  as: string;
  key: string;
  subject?: string;
  note?: string;
  callbackUrl?: string;
}

function parseOptions(args: string[]): { options: Options; json: boolean } | "help" {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args,
      options: {
        start: { type: "string" },
        minutes: { type: "string" },
        as: { type: "string" },
        key: { type: "string" },
        subject: { type: "string" },
        note: { type: "string" },
        "callback-url": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1)
    throw usage(
      positionals.length === 0 ? "whom to ask? give user@domain" : "give one user@domain",
    );
  const address = positionals[0]!;
  const parsedAddress = parseAddress(address);
  if (!parsedAddress || address.includes("/"))
    throw usage(`${JSON.stringify(address)} is not an address user@domain`);
  for (const name of ["start", "minutes", "as", "key"] as const)
    if (values[name] === undefined) throw usage(`--${name} is required`);
  return {
    json: values.json === true,
    options: {
      address: `${parsedAddress.username}@${parsedAddress.domain}`,
      start: parseStart(values.start!),
      minutes: parseMinutes(values.minutes!),
      as: values.as!,
      key: values.key!,
      ...(values.subject !== undefined && { subject: values.subject }),
      ...(values.note !== undefined && { note: values.note }),
      ...(values["callback-url"] !== undefined && {
        callbackUrl: parseCallbackUrl(values["callback-url"]),
      }),
    },
  };
}

export async function runRequest(args: string[]): Promise<number> {
  let json = false;
  try {
    const parsed = parseOptions(args);
    if (parsed === "help") {
      process.stdout.write(REQUEST_USAGE);
      return EXIT_OK;
    }
    json = parsed.json;
    const { options } = parsed;
    const signer = await loadSigner(options.key);
    const requester = await loadRequester(options.as, signer);
    let outbound: CliOutbound;
    try {
      outbound = cliOutbound();
    } catch (err) {
      if (err instanceof ConfigError) throw usage(err.message);
      throw err;
    }

    const profiles = createRemoteProfiles({
      fetch: outbound.fetch,
      resolver: outbound.resolver,
      discovery: outbound.discovery,
      clock: systemClock,
    });
    let remote: RemoteProfile;
    try {
      remote = await profiles.get(options.address);
    } catch (err) {
      throw fromUpstream(err, "not sent: ");
    }
    checkTarget(remote);
    const url = meetingResponseUrl(remote);

    // These exact bytes are sent, and hashed into the token's bh.
    const body = JSON.stringify({
      start_time: options.start,
      duration_minutes: options.minutes,
      requester,
      ...(options.subject !== undefined && { subject: options.subject }),
      ...(options.note !== undefined && { note: options.note }),
      ...(options.callbackUrl !== undefined && { callback_url: options.callbackUrl }),
    });
    const token = await signRequestToken(signer, {
      aud: didWebForDomain(remote.domain),
      htm: "POST",
      htu: url,
      body,
      now: systemClock.now(),
    });
    let res: PeerResponse;
    try {
      res = await postToPeer(outbound.fetch, { url, token, body });
    } catch (err) {
      throw fromUpstream(err);
    }

    if (json) {
      const answer =
        res.body !== undefined
          ? res.body
          : {
              error: { code: "invalid_answer", message: `HTTP ${res.status} without a JSON body` },
            };
      process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    } else {
      process.stdout.write(
        describe(res, {
          address: remote.address,
          startTime: options.start,
          minutes: options.minutes,
        }),
      );
    }
    return exitCodeFor(res.status);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const stop = err;
    if (stop.exitCode === EXIT_USAGE) {
      process.stderr.write(`calendario: ${stop.message}\n${REQUEST_USAGE}`);
      return EXIT_USAGE;
    }
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: stop.code, message: stop.message } }, null, 2)}\n`,
      );
    else process.stderr.write(`calendario: ${stop.message}\n`);
    return stop.exitCode;
  }
}
