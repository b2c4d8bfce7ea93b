/**
 * The agent skill (Agent Skills `SKILL.md` shape): what the node is and how an agent books
 * on it, generated from the route table and the schemas. `GET /api/skill` is the public
 * text; `GET /v1/skill` adds who the calling agent is. Every fenced `http` example is
 * marked `<!-- checked: name -->` and run by a test against a node.
 */
import { isoUtc } from "../../iso-time.js";
import { TOOL_LIST } from "../mcp/tools.js";
import { ROUTES } from "./routes.js";
import { componentSchemas } from "./schemas.js";

/** The tools `/mcp` serves, as its server lists them. */
export const MCP_TOOLS = TOOL_LIST.map((t) => t.name);

/** Who the personalized skill is for. */
export interface SkillAgent {
  agentId: string;
  name: string;
  username: string;
  priority: number;
  scopes: string[];
  rank: number;
  siblings: number;
  timezone: string;
  minNoticeHours?: number;
  maxBookingsPerDay?: number;
  holdTtlSeconds: number;
  bumpWindowSeconds: number;
}

export interface SkillInput {
  publicUrl: string;
  /** The example slot: a real free slot for a personalized skill, else tomorrow 15:00Z. */
  slot: { start: number; end: number };
  agent?: SkillAgent;
}

const REASON_ADVICE: Record<string, string> = {
  outside_schedule:
    "the interval is not inside the person's working hours: pick a slot from availability",
  blackout: "the day is blacked out: pick another day",
  insufficient_notice: "too soon: pick a slot later than now + the notice period",
  focus_time: "it overlaps the person's focus time: pick another slot from availability",
  daily_limit: "the day already has the maximum number of bookings: pick another day",
  idempotency_key_reused:
    "you reused an idempotency key for a different request: use a new key for a new request",
};

function reasonCodes(): string[] {
  const schema = componentSchemas().RuleViolation as {
    properties: { reason_code: { enum: string[] } };
  };
  return schema.properties.reason_code.enum;
}

function fields(name: string): string {
  const schema = componentSchemas()[name] as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties)
    .map((k) => (required.has(k) ? `\`${k}\`` : `\`${k}\`?`))
    .join(", ");
}

function example(name: string, lang: string, text: string): string {
  return `<!-- checked: ${name} -->\n\`\`\`${lang}\n${text}\n\`\`\`\n`;
}

function request(method: string, path: string, body?: unknown, extra: string[] = []): string {
  const head = [`${method} ${path} HTTP/1.1`, "Authorization: Bearer <agent key>", ...extra];
  if (body === undefined) return head.join("\n");
  return `${[...head, "Content-Type: application/json"].join("\n")}\n\n${JSON.stringify(body)}`;
}

function whoYouAre(agent: SkillAgent): string {
  const limits = [
    agent.minNoticeHours !== undefined && `at least ${agent.minNoticeHours} h notice`,
    agent.maxBookingsPerDay !== undefined && `at most ${agent.maxBookingsPerDay} bookings a day`,
  ].filter(Boolean);
  return `## You

- You are agent \`${agent.agentId}\` ("${agent.name}") of user \`${agent.username}\`, priority ${agent.priority}: rank ${agent.rank} of the ${agent.siblings} agent${agent.siblings === 1 ? "" : "s"} of this user (priority 1 is the highest; a higher-ranked agent may take a slot your uncommitted holds or unfrozen bookings occupy).
- Scopes: ${agent.scopes.map((s) => `\`${s}\``).join(", ") || "none"}.
- The user's time zone is \`${agent.timezone}\`; speak to people in it, send instants in UTC.
- Limits: ${limits.length > 0 ? limits.join(", ") : "none beyond the schedule"}; holds live ${agent.holdTtlSeconds} s; a booking is frozen ${agent.bumpWindowSeconds} s after its commit.

`;
}

/** The skill document. */
export function skillMarkdown(input: SkillInput): string {
  const { slot, agent, publicUrl } = input;
  const start = isoUtc(slot.start);
  const end = isoUtc(slot.end);
  const day = start.slice(0, 10);
  const key = `${day}-intro-call`;
  const agentRoutes = ROUTES.filter((r) => r.path.startsWith("/v1/") || r.path === "/mcp");
  const reasons = reasonCodes()
    .map((r) => `- \`${r}\`: ${REASON_ADVICE[r] ?? "read error.message"}.`)
    .join("\n");
  return `---
name: calendario-booking
description: Book time on people's calendars through a Calendario node at ${publicUrl} — check availability, hold a slot, commit the booking, and settle conflicts with other agents by counter-proposing. Use when asked to schedule, move or cancel a meeting for a user of this node or with someone at another organization.
---

# Booking with a Calendario node

This node (${publicUrl}) keeps the calendars of its organization's people. Each person has
agents (you are one), each with an API key and a priority. Several agents may want the same
slot at once: the node decides atomically, and a loser learns who won. Send your key as
\`Authorization: Bearer <agent key>\` on every \`/v1\` request.

${agent ? whoYouAre(agent) : ""}## The loop: whoami → availability → hold → commit

1. **Who am I**: \`GET /v1/agents/me\` — your agent, user, priority, scopes, the user's zone and the node's clock.

${example("whoami", "http", request("GET", "/v1/agents/me"))}
2. **Availability**: \`GET /v1/availability?range_start=…&range_end=…&duration_minutes=30\` — free slots of your user (add \`with=user@domain\` for someone at another organization).

${example("availability", "http", request("GET", `/v1/availability?range_start=${day}T00:00:00Z&range_end=${isoUtc(slot.start + 86_400_000).slice(0, 10)}T00:00:00Z&duration_minutes=30`))}
3. **Hold** the slot you want: \`POST /v1/holds\` with ${fields("HoldRequest")}. A hold keeps other agents off the slot while you confirm with your user; it expires by itself.

${example("hold", "http", request("POST", "/v1/holds", { start, end }))}
4. **Commit**: \`POST /v1/bookings\` with ${fields("BookingRequest")}. Pass the \`hold_id\` you got and an \`idempotency_key\`.

${example("commit", "http", request("POST", "/v1/bookings", { start, end, hold_id: "<hold_id>", idempotency_key: key, title: "Intro call" }))}
   The answer is \`201\` with the booking (\`booking_id\`, \`status: "committed"\`, \`frozen_at\`). Sending the same request with the same key again answers \`200\` with the same booking:

${example("commit-again", "http", request("POST", "/v1/bookings", { start, end, hold_id: "<hold_id>", idempotency_key: key, title: "Intro call" }))}
Read it back with \`GET /v1/bookings/{id}\`; cancel your own booking with \`DELETE /v1/bookings/{id}\`.

${example("get-booking", "http", request("GET", "/v1/bookings/<booking_id>"))}
## Answers and what to do

- **201 / 200**: done (200 is a replay of an idempotent request).
- **409 conflict**: someone else has the slot. The body names the winner (\`winning_agent_id\`, \`winning_agent_priority\`, \`winner\`) and \`suggested_times\`. Never send the same request again unchanged: pick one of \`suggested_times\` (or ask availability again) and hold that. If the slot matters, counter-propose to the winner (below).
- **422 rule_violation**: the request breaks the person's rules; nothing changed. By \`reason_code\`:
${reasons}
- **202 pending** (\`POST /v1/bookings\` when your user must acknowledge your bookings — \`requires_ack\`; MCP \`commit_booking\` \`outcome: "pending"\`): your user decides in their inbox. Do not book again; wait for \`booking.confirmed\`, \`booking.declined\` or \`booking.expired\`.
- **202 pending** (\`POST /v1/meetings\`): the other person must acknowledge. Do not book again; wait for the \`booking.confirmed\`, \`booking.declined\` or \`booking.expired\` event (\`GET /v1/events?wait=30\`).
- **400**: \`error.details\` has a JSON pointer to each bad value. **401**: your key is missing or revoked. **403**: a scope is missing, or it is not yours. **404**: no such record (or not yours). **429**: wait \`Retry-After\` seconds.

## Idempotency

Give every hold and commit an \`idempotency_key\` (or the \`Idempotency-Key\` header): after a timeout, send the same request with the same key; you get the first answer, never a second booking. A key used for a different request is a \`422 idempotency_key_reused\`.
Over MCP every write tool takes \`idempotency_key\`: a retry with it answers the first answer (\`replay: true\`).

## Time rules

- Send and read instants as RFC 3339 with \`Z\` (UTC), e.g. \`${start}\`. Offsets are accepted; local times without a zone are not.
- Intervals are half-open \`[start, end)\`: a meeting ending at 15:30 and one starting at 15:30 do not overlap.
- Availability is computed in the user's time zone (\`timezone\` in the answers and in \`/v1/agents/me\`); say times to people in that zone.

## Conduct

- Do not cancel or evict another agent's booking to make room. Counter-propose instead: \`POST /v1/bookings/{id}/counter\` with ${fields("CounterRequest")}; its agent accepts one slot (\`POST /v1/bookings/{id}/counters/{counter_id}/accept\`) or rejects it.
- Never retry a 409 unchanged; never loop on a 422.
- Release holds you will not use: \`DELETE /v1/holds/{id}\`.

## Across organizations

To meet someone at another organization, \`POST /v1/meetings\` with ${fields("MeetingRequest")} (\`with\` is their address \`user@domain\`): the node books both sides or neither. \`201\` confirmed, \`202\` pending their acknowledgement, \`409\` with \`side\` (\`local\` or \`remote\`) and \`suggested_times\`, \`422\` a rule of either side.

## Your person

Your person sees what you are doing. While you work, say so every 30 s: \`POST /v1/presence\` with ${fields("PresenceRequest")} (it fades after a minute; holds and commits show you \`acting\` by themselves). \`GET /v1/presence\` lists what your user's agents are doing.

${example("presence", "http", request("POST", "/v1/presence", { status: "thinking", note: "Comparing slots for the intro call" }))}
Your person may ask you to do something: a **mention** (event \`mention.created\`). Read the open ones with \`GET /v1/mentions?status=sent\`:

${example("mentions", "http", request("GET", "/v1/mentions?status=sent"))}
Do the work, then answer with a **suggestion** instead of booking on your own: \`POST /v1/suggestions\` with ${fields("SuggestionRequest")} (1–5 slots; \`with\` for someone at another organization). Your person accepts one slot — the node books it as you — or rejects it: you receive \`suggestion.accepted\` (with \`booking_id\`) or \`suggestion.rejected\`. Mark the mention done with \`PATCH /v1/mentions\` \`{"mention_ids": [...], "status": "done"}\`.

${example("suggestion", "http", request("POST", "/v1/suggestions", { slots: [{ start, end }], note: "Intro call" }))}
## Events

Poll \`GET /v1/events?after=<next_cursor>&wait=30\`, or subscribe a webhook with \`POST /v1/webhooks\`.

## MCP

The same operations as MCP tools at \`${publicUrl}/mcp\` (Streamable HTTP, POST, your agent key as bearer token): ${MCP_TOOLS.map((t) => `\`${t}\``).join(", ")}. A lost race there is a normal result with \`outcome: "conflict"\`.

## Reference

- OpenAPI 3.1: \`${publicUrl}/openapi.json\`
- Agent routes: ${agentRoutes.map((r) => `\`${r.method.toUpperCase()} ${r.path}\``).join(", ")}
`;
}

/** `GET /llms.txt`. */
export function llmsTxt(publicUrl: string): string {
  return `# Calendario node

> A Calendario node: people's signed availability profiles, and atomic booking by their agents, across organizations.

## For agents

- [Skill (SKILL.md)](${publicUrl}/api/skill): how to book here — whoami, availability, hold, commit; conflicts and rules. With your agent key, ${publicUrl}/v1/skill is personalized.
- [OpenAPI 3.1](${publicUrl}/openapi.json): every route, body and answer.
- MCP: ${publicUrl}/mcp (Streamable HTTP, agent key as bearer token).
`;
}
