/**
 * `npm run demo:federation`: two organizations on one machine book a meeting across
 * nodes. A DNS server on 127.0.0.1 answers for `acme.test` and `globex.test`; each node
 * runs in its own process with its own DATA_DIR, the embedded memory store and
 * CALENDARIO_ALLOW_INSECURE=1 (plain http, loopback peers). bob's agent at globex books
 * jane at acme twice: once confirmed at once, once after jane accepts.
 *
 * Every step is printed as the curl command a reader could type (with the variables the
 * demo prints first) and the answer. Exit 0 when every answer is the one expected, 1
 * otherwise; the nodes, the DNS server and the temporary directory go away in every case.
 * `--keep` leaves everything running after the last step, until Ctrl-C.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDnsServer, type TestDnsServer } from "../../test/helpers/dns-server.js";
import { type NodeProcess, startNodeProcess } from "../../test/helpers/node-process.js";
import { freePort } from "../../test/helpers/ports.js";

const ADMIN_TOKEN = "demo-admin-token-0123456789abcdef";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CALLBACK_WAIT_MS = 60_000;

class DemoFailure extends Error {}

// ── Processes, and stopping them whatever happens ─────────────────────────────────────
const nodes: NodeProcess[] = [];
let dns: TestDnsServer | undefined;
let tempDir: string | undefined;
let stopping: Promise<void> | undefined;
const keep = process.argv.includes("--keep");
let finished = false;

function cleanUp(): Promise<void> {
  stopping ??= (async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await dns?.close().catch(() => {});
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    console.log(`\n${signal}: stopping the nodes and the DNS server…`);
    void cleanUp().then(() => process.exit(finished ? 0 : 130));
  });

// ── Printing requests as curl commands, and checking answers ──────────────────────────
/** Values printed as shell variables at the start (URLs, tokens), shown by name in commands. */
const vars: [string, string][] = [];
const show = (s: string) =>
  vars.reduce((out, [name, value]) => out.split(value).join(`$${name}`), s);

/** A compact answer: long arrays are cut to their first items, long strings shortened. */
function brief(value: unknown): unknown {
  if (typeof value === "string" && value.length > 64) return `${value.slice(0, 48)}…`;
  if (Array.isArray(value))
    return value.length > 3
      ? [...value.slice(0, 2).map(brief), `… ${value.length - 2} more`]
      : value.map(brief);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, brief(v)]));
  return value;
}

let stepNo = 0;
function step(title: string): void {
  console.log(`\n── ${++stepNo}. ${title}`);
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read member by member
  body: any;
}

async function curl(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; view?: (body: Answer["body"]) => unknown } = {},
): Promise<Answer> {
  const parts = [`curl -s${method === "GET" ? "" : ` -X ${method}`} "${url}"`];
  if (opts.token) parts.push(`-H "Authorization: Bearer ${opts.token}"`);
  if (opts.body !== undefined)
    parts.push(`-H "Content-Type: application/json" -d '${JSON.stringify(opts.body)}'`);
  console.log(`$ ${show(parts.join(" "))}`);
  const res = await fetch(url, {
    method,
    headers: {
      ...(opts.token && { authorization: `Bearer ${opts.token}` }),
      ...(opts.body !== undefined && { "content-type": "application/json" }),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  }).catch((err: Error) => {
    throw new DemoFailure(`${method} ${url} got no answer: ${err.cause ?? err.message}`);
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const shown = opts.view && res.ok ? opts.view(body) : body;
  console.log(`→ ${res.status} ${JSON.stringify(brief(shown))}`);
  return { status: res.status, body };
}

function expect(ok: unknown, what: string, answer?: Answer): asserts ok {
  if (!ok)
    throw new DemoFailure(
      `expected ${what}${answer ? `; got ${answer.status} ${JSON.stringify(answer.body)}` : ""}`,
    );
}

// ── The demo ───────────────────────────────────────────────────────────────────────────
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
const isoMs = (t: number) => new Date(t).toISOString();
const openWeekdays = (hours: string) => [
  {
    type: "weekly",
    days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
    hours: [hours],
  },
];
/** What matters in a published profile: who signed it and where requests go. */
const signedProfile = ({ profile: p }: Answer["body"]) => ({
  self: p.self,
  organization: p.organization,
  confirm: p.response_channel.confirm,
  organization_proof: { verificationMethod: p.organization_proof.verificationMethod, jws: "…" },
});
const profile = (username: string, displayName: string, ack: boolean, hours: string) => ({
  version: "0.1",
  username,
  display_name: displayName,
  timezone: "UTC",
  visibility: "public",
  allow_anonymous_booking: false,
  min_notice_hours: 0,
  scheduling: openWeekdays(hours),
  response_channel: {
    human_ack_required: ack,
    booking_confirmation_message: `Booked with ${displayName}.`,
  },
});

async function main(): Promise<void> {
  // Next Monday, 00:00 UTC (a week ahead when today is Monday).
  const today = Math.floor(Date.now() / DAY) * DAY;
  const weekday = new Date(today).getUTCDay(); // 0 Sunday … 6 Saturday
  const monday = today + ((8 - weekday) % 7 || 7) * DAY;
  const first = { start: monday + 10 * HOUR, end: monday + 10.5 * HOUR };
  const second = { start: monday + 11 * HOUR, end: monday + 11.5 * HOUR };

  step("a DNS server on 127.0.0.1 and two nodes, acme.test and globex.test");
  tempDir = await mkdtemp(path.join(tmpdir(), "calendario-demo-"));
  const [acmePort, globexPort] = [await freePort(), await freePort()];
  const acme = { domain: `acme.test:${acmePort}`, url: `http://127.0.0.1:${acmePort}` };
  const globex = { domain: `globex.test:${globexPort}`, url: `http://127.0.0.1:${globexPort}` };
  const txt = "calendario=/.well-known/calendario";
  dns = await startDnsServer(
    { "_calendario.acme.test": [txt], "_calendario.globex.test": [txt] },
    { a: { "acme.test": ["127.0.0.1"], "globex.test": ["127.0.0.1"] }, ttl: 60 },
  );
  console.log(`DNS on ${dns.address}:`);
  console.log(`  acme.test.               A    127.0.0.1`);
  console.log(`  globex.test.             A    127.0.0.1`);
  console.log(`  _calendario.acme.test.   TXT  "${txt}"`);
  console.log(`  _calendario.globex.test. TXT  "${txt}"`);
  console.log("# each node, started as you would start it:");
  for (const [name, org, port] of [
    ["acme", acme, acmePort],
    ["globex", globex, globexPort],
  ] as const) {
    const env = {
      PORT: String(port),
      PUBLIC_URL: `http://${org.domain}`,
      DATA_DIR: path.join(tempDir, name),
      PROFILES_DIR: path.join(tempDir, name, "profiles"),
      ADMIN_TOKEN,
      CALENDARIO_ALLOW_INSECURE: "1",
      CALENDARIO_DNS_SERVERS: dns.address,
    };
    console.log(
      `${Object.entries(env)
        .map(([k, v]) => `${k}=${k === "ADMIN_TOKEN" ? "$ADMIN" : v}`)
        .join(" ")} calendario serve &`,
    );
    nodes.push(await startNodeProcess(env));
  }
  vars.push(["ACME", acme.url], ["GLOBEX", globex.url], ["ADMIN", ADMIN_TOKEN]);
  console.log(`ACME=${acme.url} GLOBEX=${globex.url} ADMIN=${ADMIN_TOKEN}`);

  step("jane at acme: open Monday–Friday 09:00–17:00 UTC; bob at globex, with an agent");
  let r = await curl("PUT", `${acme.url}/admin/v1/users/jane`, {
    token: ADMIN_TOKEN,
    body: profile("jane", "Jane Doe", false, "09:00-17:00"),
    view: signedProfile,
  });
  expect(r.status === 201, "201 for jane's profile", r);
  r = await curl("PUT", `${globex.url}/admin/v1/users/bob`, {
    token: ADMIN_TOKEN,
    body: profile("bob", "Bob Smith", false, "09:00-17:00"),
    view: signedProfile,
  });
  expect(r.status === 201, "201 for bob's profile", r);
  r = await curl("POST", `${globex.url}/admin/v1/users/bob/agents`, {
    token: ADMIN_TOKEN,
    body: { name: "Scheduling assistant", priority: 1 },
  });
  expect(r.status === 201 && typeof r.body.api_key === "string", "201 with an api_key", r);
  const bobKey: string = r.body.api_key;
  vars.push(["BOB_KEY", bobKey]);
  console.log(`BOB_KEY=${bobKey}`);

  const jane = `jane@${acme.domain}`;
  step(`bob's agent asks globex for the times free on both calendars on Monday`);
  r = await curl(
    "GET",
    `${globex.url}/v1/availability?with=${jane}&range_start=${iso(monday)}&range_end=${iso(monday + DAY)}&duration_minutes=30`,
    { token: bobKey },
  );
  expect(r.status === 200, "200 from /v1/availability?with=", r);
  const slots: { start: string }[] = r.body.slots ?? [];
  expect(
    slots.some((s) => s.start === isoMs(first.start)),
    `the slots to include ${isoMs(first.start)}`,
    r,
  );

  step("bob's agent books Monday 10:00–10:30 with jane: globex signs a request to acme");
  const meeting = (slot: { start: number; end: number }, subject: string) =>
    curl("POST", `${globex.url}/v1/meetings`, {
      token: bobKey,
      body: { with: jane, start: iso(slot.start), end: iso(slot.end), subject },
    });
  r = await meeting(first, "Intro call");
  expect(
    r.status === 201 && r.body.status === "committed" && r.body.remote?.status === "confirmed",
    "201, a committed booking whose remote.status is confirmed",
    r,
  );
  const firstId: string = r.body.booking_id;
  console.log(`remote: ${JSON.stringify(r.body.remote)}`);

  step("both sides are busy at 10:00 (public free/busy)");
  const range = `start=${iso(monday)}&end=${iso(monday + DAY)}`;
  const busyAt = (a: Answer, slot: { start: number; end: number }) =>
    a.status === 200 &&
    (a.body.busy as { start: string; end: string }[]).some(
      (b) => b.start <= isoMs(slot.start) && b.end >= isoMs(slot.end),
    );
  r = await curl("GET", `${acme.url}/api/freebusy/jane?${range}`);
  expect(busyAt(r, first), "jane busy 10:00–10:30", r);
  r = await curl("GET", `${globex.url}/api/freebusy/bob?${range}`);
  expect(busyAt(r, first), "bob busy 10:00–10:30", r);
  r = await curl("GET", `${globex.url}/v1/bookings/${firstId}`, { token: bobKey });
  expect(r.status === 200 && r.body.remote?.address === jane, `remote.address ${jane}`, r);

  step("jane now wants to accept every request herself: human_ack_required: true");
  r = await curl("PUT", `${acme.url}/admin/v1/users/jane`, {
    token: ADMIN_TOKEN,
    body: profile("jane", "Jane Doe", true, "09:00-17:00"),
    view: (b) => ({ human_ack_required: b.profile.response_channel.human_ack_required }),
  });
  expect(r.status === 200, "200 for jane's new profile", r);

  step("bob's agent books Monday 11:00–11:30: acme answers 202, the request waits for jane");
  r = await meeting(second, "Follow-up");
  expect(
    r.status === 202 && r.body.status === "pending" && r.body.remote?.status === "pending",
    "202, a pending booking whose remote.status is pending",
    r,
  );
  const secondId: string = r.body.booking_id;
  const remoteId: string = r.body.remote.booking_id;
  r = await curl("GET", `${acme.url}/admin/v1/users/jane/requests`, { token: ADMIN_TOKEN });
  expect(
    r.status === 200 &&
      r.body.requests?.some((b: { booking_id: string }) => b.booking_id === remoteId),
    `jane's waiting requests to include ${remoteId}`,
    r,
  );

  step("jane accepts (here through the admin API of acme)");
  r = await curl("POST", `${acme.url}/admin/v1/users/jane/bookings/${remoteId}/accept`, {
    token: ADMIN_TOKEN,
    body: { message: "See you then" },
  });
  expect(r.status === 200 && r.body.status === "committed", "200, the booking committed", r);

  step("acme's signed callback reaches globex: bob's side is confirmed too");
  const deadline = Date.now() + CALLBACK_WAIT_MS;
  for (;;) {
    r = await curl("GET", `${globex.url}/v1/bookings/${secondId}`, { token: bobKey });
    if (r.status === 200 && r.body.status === "committed" && r.body.remote?.status === "confirmed")
      break;
    expect(Date.now() < deadline, `the callback within ${CALLBACK_WAIT_MS / 1000} s`, r);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  r = await curl("GET", `${globex.url}/api/freebusy/bob?${range}`);
  expect(busyAt(r, first) && busyAt(r, second), "bob busy 10:00–10:30 and 11:00–11:30", r);
}

try {
  await main();
  finished = true;
  console.log("\n✓ every step gave the expected answer");
  if (keep) {
    console.log("The nodes keep running (--keep); Ctrl-C stops them.");
    await new Promise(() => {});
  }
  await cleanUp();
  process.exit(0);
} catch (err) {
  const message = err instanceof DemoFailure ? err.message : String((err as Error)?.stack ?? err);
  console.error(`\n✗ step ${stepNo} failed: ${message}`);
  await cleanUp();
  process.exit(1);
}
