/**
 * The MCP tools: each checks its arguments against its schema, calls the booking use case
 * as the agent, and formats the result. Names follow AgentDraft's MCP server, so an agent
 * switches by changing a URL.
 */
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { signCheckpoint } from "../../audit/index.js";
import { validateAvailabilityQuery } from "../../availability/index.js";
import {
  type AgentCaller,
  acceptCounter,
  agentAvailability,
  availabilityWith,
  cancelBooking,
  commitBooking,
  getBooking,
  listBookings,
  loadCalendar,
  placeHold,
  proposeCounter,
  rejectCounter,
  releaseHold,
  repeatedDecision,
  requestMeeting,
  standingCounter,
  whoami,
} from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError, NotFoundError } from "../../errors.js";
import { setPresence } from "../../people/index.js";
import { MAX_WAIT_MS } from "../../webhooks/index.js";
import type {
  BookingRequest,
  CounterRequest,
  HoldRequest,
  MeetingRequest,
  PresenceRequest,
} from "../api-types.gen.js";
import { whoamiJson } from "../v1/agents.js";
import { rangeParams } from "../v1/params.js";
import { presenceJson } from "../v1/presence.js";
import { parseInterval } from "../v1/times.js";
import {
  conflictJson,
  mcpBooking,
  mcpCounter,
  mcpHold,
  meetConflictJson,
  slotJson,
  violationJson,
} from "./format.js";
import { OUTPUT_SCHEMAS } from "./output-schemas.js";
import { INPUT_SCHEMAS, type ToolName, validateInput } from "./schemas.js";

export interface ToolCall {
  ctx: Context;
  caller: AgentCaller;
  args: unknown;
  /** Ends when the client goes away or cancels the call. */
  signal: AbortSignal;
  /** Also ends when the node stops listening: a long poll must not hold a shutdown. */
  longPollSignal(): AbortSignal;
}

interface ToolDefinition {
  title: string;
  description: string;
  annotations: ToolAnnotations;
  run(call: ToolCall): Promise<Record<string, unknown>>;
}

/** The engine's query from the tool's names (`range_start`, not `start`, in any error). */
function availabilityQuery(input: {
  range_start: string;
  range_end: string;
  duration_minutes: number;
  step_minutes?: number;
}) {
  try {
    return validateAvailabilityQuery({
      start: input.range_start,
      end: input.range_end,
      durationMinutes: input.duration_minutes,
      stepMinutes: input.step_minutes,
    });
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    const details = (err.details as { pointer: string; message: string }[]).map((d) => ({
      ...d,
      pointer:
        d.pointer === "/start" || d.pointer === "/end"
          ? `/range${d.pointer.replace("/", "_")}`
          : d.pointer,
    }));
    throw new InvalidRequestError(
      `Invalid arguments: ${details.map((d) => `${d.pointer.slice(1)} ${d.message}`).join(", ")}`,
      details,
    );
  }
}

const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const DEFAULT_WAIT_SECONDS = 20;

async function zoneOf(call: ToolCall): Promise<string> {
  return (await loadCalendar(call.ctx.store, call.caller.agent.username)).profile.timezone;
}

const TOOLS: Record<ToolName, ToolDefinition> = {
  whoami: {
    title: "Who am I",
    description:
      "The agent, the user it acts for, its priority and scopes, the user's time zone, the node's current time (UTC and local), the hold TTL and the bump window. Call it first.",
    annotations: READ,
    async run({ ctx, caller, args }) {
      validateInput("whoami", args);
      return whoamiJson(await whoami(ctx.booking, caller));
    },
  },

  get_availability: {
    title: "Free slots",
    description:
      "Free slots of `duration_minutes` in [range_start, range_end) on the user's calendar; with `with` (user@domain at another organization), only slots free for both. Times are UTC (Z) with local labels in the user's zone.",
    annotations: { readOnlyHint: true, openWorldHint: true },
    async run({ ctx, caller, args }) {
      const input = validateInput<{
        range_start: string;
        range_end: string;
        duration_minutes: number;
        step_minutes?: number;
        with?: string;
      }>("get_availability", args);
      const query = availabilityQuery(input);
      const peer = input.with?.toLowerCase();
      const { timezone, slots } =
        peer === undefined
          ? await agentAvailability(ctx.booking, caller, query)
          : await availabilityWith(ctx.booking, caller, query, peer);
      return {
        user_id: caller.agent.username,
        timezone,
        duration_minutes: query.durationMinutes,
        ...(peer !== undefined && { with: peer }),
        slots: slots.map((s) => slotJson(s, timezone)),
      };
    },
  },

  create_hold: {
    title: "Hold a slot",
    description:
      "Holds [start, end) for this agent for the hold TTL, so it can commit without racing. outcome: held, conflict (the winner and suggested_times) or rule_violation (reason). Pass idempotency_key to retry safely.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    async run(call) {
      const body = validateInput<HoldRequest>("create_hold", call.args);
      const interval = parseInterval(body.start, body.end);
      const [result, zone] = await Promise.all([
        placeHold(call.ctx.booking, call.caller, {
          ...interval,
          idempotencyKey: body.idempotency_key,
          request: { start: interval.start, end: interval.end },
        }),
        zoneOf(call),
      ]);
      switch (result.outcome) {
        case "held":
          return {
            outcome: "held",
            hold: mcpHold(result.hold, zone),
            audit_ref: result.auditRef,
            replay: result.replay,
          };
        case "conflict":
          return conflictJson(result, zone);
        case "rule_violation":
          return violationJson(result);
      }
    },
  },

  release_hold: {
    title: "Release a hold",
    description:
      "Releases a live hold of this agent. With idempotency_key, a retry of a release already done answers the first answer (replay: true) instead of hold_not_found.",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async run(call) {
      const { hold_id, idempotency_key } = validateInput<{
        hold_id: string;
        idempotency_key?: string;
      }>("release_hold", call.args);
      const [released, zone] = await Promise.all([
        releaseHold(call.ctx.booking, call.caller, {
          holdId: hold_id,
          ...(idempotency_key !== undefined && { repeat: "first_answer" as const }),
        }),
        zoneOf(call),
      ]);
      return {
        outcome: "released",
        hold: mcpHold(released.hold, zone),
        audit_ref: released.auditRef,
        replay: released.replay ?? false,
      };
    },
  },

  commit_booking: {
    title: "Book a slot",
    description:
      "Books [start, end) (over this agent's hold_id, if it has one). outcome: committed; pending when the person must acknowledge this agent's bookings (expires_at; booking.confirmed, booking.declined or booking.expired follows); conflict when another agent won the slot (the winner, suggested_times: pick one and retry); rule_violation (reason). Pass idempotency_key to retry safely: a retry gets the first answer.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    async run(call) {
      const body = validateInput<BookingRequest>("commit_booking", call.args);
      const interval = parseInterval(body.start, body.end);
      const details: Record<string, unknown> = {};
      if (body.title !== undefined) details.title = body.title;
      if (body.invitee !== undefined) details.invitee = body.invitee;
      if (body.metadata !== undefined) details.metadata = body.metadata;
      const { idempotency_key: _key, ...request } = body;
      const [result, zone] = await Promise.all([
        commitBooking(call.ctx.booking, call.caller, {
          ...interval,
          holdId: body.hold_id,
          details: Object.keys(details).length > 0 ? details : undefined,
          idempotencyKey: body.idempotency_key,
          request: { ...request, start: interval.start, end: interval.end },
        }),
        zoneOf(call),
      ]);
      switch (result.outcome) {
        case "committed": {
          const now = result.replay
            ? await call.ctx.store.now(call.caller.agent.username)
            : result.booking.committedAt;
          return {
            outcome: "committed",
            booking: mcpBooking(result.booking, now, zone),
            audit_ref: result.auditRef,
            replay: result.replay,
            displaced_holds: result.displacedHolds.map((h) => mcpHold(h, zone)),
            evicted: result.evicted.map((b) => mcpBooking(b, now, zone)),
          };
        }
        case "pending":
          return {
            outcome: "pending",
            booking: mcpBooking(result.booking, result.booking.committedAt, zone),
            expires_at: new Date(result.expiresAt).toISOString(),
            audit_ref: result.auditRef,
            replay: result.replay,
          };
        case "conflict":
          return conflictJson(result, zone);
        case "rule_violation":
          return violationJson(result);
      }
    },
  },

  cancel_booking: {
    title: "Cancel a booking",
    description:
      "Cancels a booking this agent made. Another agent's booking is not yours to cancel: propose_times to it instead. With idempotency_key, a retry of a cancellation already done answers the first answer (replay: true) instead of a conflict.",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async run(call) {
      const { booking_id, idempotency_key } = validateInput<{
        booking_id: string;
        idempotency_key?: string;
      }>("cancel_booking", call.args);
      const [cancelled, zone] = await Promise.all([
        cancelBooking(call.ctx.booking, call.caller, {
          bookingId: booking_id,
          ...(idempotency_key !== undefined && { repeat: "first_answer" as const }),
        }),
        zoneOf(call),
      ]);
      return {
        outcome: "cancelled",
        booking: mcpBooking(
          cancelled.booking,
          await call.ctx.store.now(call.caller.agent.username),
          zone,
        ),
        audit_ref: cancelled.auditRef,
        replay: cancelled.replay ?? false,
      };
    },
  },

  list_bookings: {
    title: "List bookings",
    description:
      "Committed bookings of the user overlapping [range_start, range_end) (default: the next 90 days).",
    annotations: READ,
    async run(call) {
      const input = validateInput<{ range_start?: string; range_end?: string }>(
        "list_bookings",
        call.args,
      );
      const range = rangeParams(input.range_start, input.range_end);
      const [{ bookings, now }, zone] = await Promise.all([
        listBookings(call.ctx.booking, call.caller, range),
        zoneOf(call),
      ]);
      return {
        user_id: call.caller.agent.username,
        timezone: zone,
        bookings: bookings.map((b) => mcpBooking(b, now, zone)),
      };
    },
  },

  get_booking: {
    title: "Get a booking",
    description: "One booking of the user, by id.",
    annotations: READ,
    async run(call) {
      const { booking_id } = validateInput<{ booking_id: string }>("get_booking", call.args);
      const [{ booking, now }, zone] = await Promise.all([
        getBooking(call.ctx.booking, call.caller, booking_id),
        zoneOf(call),
      ]);
      return { timezone: zone, booking: mcpBooking(booking, now, zone) };
    },
  },

  propose_times: {
    title: "Counter-propose",
    description:
      "Offers 1–5 other slots for another agent's booking (the polite way to ask for a slot that is taken); its agent accepts one or rejects them. Pass idempotency_key to retry safely: a retry answers your open counter-proposal with the same slots (replay: true).",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    async run(call) {
      const body = validateInput<CounterRequest & { booking_id: string; idempotency_key?: string }>(
        "propose_times",
        call.args,
      );
      const proposed = body.proposed.map((p, i) => parseInterval(p.start, p.end, `/proposed/${i}`));
      const input = { bookingId: body.booking_id, proposed, note: body.note };
      const standing =
        body.idempotency_key !== undefined
          ? await standingCounter(call.ctx.booking, call.caller, input)
          : null;
      const [counter, zone] = await Promise.all([
        standing ?? proposeCounter(call.ctx.booking, call.caller, input),
        zoneOf(call),
      ]);
      return { outcome: "proposed", counter: mcpCounter(counter, zone), replay: standing !== null };
    },
  },

  answer_counter: {
    title: "Answer a counter-proposal",
    description:
      "Accepts one slot of a counter-proposal on this agent's booking (the booking moves there atomically; slot_index required) or rejects it. Pass idempotency_key to retry safely: a retry of a decision already taken answers the first answer (replay: true).",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async run(call) {
      const input = validateInput<{
        booking_id: string;
        counter_id: string;
        decision: "accept" | "reject";
        slot_index?: number;
        idempotency_key?: string;
      }>("answer_counter", call.args);
      const ids = { bookingId: input.booking_id, counterId: input.counter_id };
      const zone = await zoneOf(call);
      const repeated =
        input.idempotency_key !== undefined
          ? await repeatedDecision(call.ctx.booking, call.caller, {
              ...ids,
              decision: input.decision,
              slotIndex: input.slot_index,
            })
          : null;
      if (repeated?.outcome === "rejected")
        return { outcome: "rejected", counter: mcpCounter(repeated.counter, zone), replay: true };
      if (repeated?.outcome === "accepted")
        return {
          outcome: "accepted",
          counter: mcpCounter(repeated.counter, zone),
          booking: mcpBooking(
            repeated.booking,
            await call.ctx.store.now(call.caller.agent.username),
            zone,
          ),
          audit_ref: repeated.auditRef,
          replay: true,
        };
      if (input.decision === "reject") {
        const counter = await rejectCounter(call.ctx.booking, call.caller, ids);
        return { outcome: "rejected", counter: mcpCounter(counter, zone), replay: false };
      }
      if (input.slot_index === undefined)
        throw new InvalidRequestError("slot_index is required to accept", [
          { pointer: "/slot_index", message: "is required when decision is accept" },
        ]);
      const result = await acceptCounter(call.ctx.booking, call.caller, {
        ...ids,
        slotIndex: input.slot_index,
      });
      switch (result.outcome) {
        case "accepted":
          return {
            outcome: "accepted",
            counter: mcpCounter(result.counter, zone),
            booking: mcpBooking(
              result.commit.booking,
              await call.ctx.store.now(call.caller.agent.username),
              zone,
            ),
            audit_ref: result.commit.auditRef,
            replay: false,
          };
        case "conflict":
          return conflictJson(result, zone);
        case "rule_violation":
          return violationJson(result);
      }
    },
  },

  get_audit: {
    title: "Audit log",
    description:
      "The user's audit events (all, or one resource's: a booking or hold id) after a sequence number, with a checkpoint of the chain signed by the node.",
    annotations: READ,
    async run({ ctx, caller, args }) {
      const input = validateInput<{ resource?: string; after?: number; limit?: number }>(
        "get_audit",
        args,
      );
      const username = caller.agent.username;
      const afterSeq = input.after ?? 0;
      const [events, head, now] = await Promise.all([
        ctx.store.readAudit(username, {
          resource: input.resource,
          afterSeq,
          limit: input.limit ?? 1000,
        }),
        ctx.store.auditHead(username, {}),
        ctx.store.now(username),
      ]);
      if (input.resource !== undefined && events.length === 0 && afterSeq === 0)
        throw new NotFoundError(`No audit events for ${input.resource}`, "resource_not_found");
      const { checkpoint, jws } = await signCheckpoint(ctx.orgSigner, username, head, now);
      return {
        user_id: username,
        events,
        checkpoint: { ...checkpoint, jws },
        next_after: events.at(-1)?.seq ?? afterSeq,
      };
    },
  },

  wait_for_events: {
    title: "Wait for events",
    description: `This agent's events (bookings made, bumped, cancelled, counter-proposals, its person's mentions and decisions on its suggestions, …) after the cursor, waiting up to wait_seconds (≤ ${MAX_WAIT_MS / 1000}, default ${DEFAULT_WAIT_SECONDS}) for one to come. Pass next_cursor back as after.`,
    annotations: READ,
    async run({ ctx, caller, args, longPollSignal }) {
      const input = validateInput<{ after?: string; limit?: number; wait_seconds?: number }>(
        "wait_for_events",
        args,
      );
      const page = await ctx.webhooks.events(
        { username: caller.agent.username, agentId: caller.agent.id },
        Number(input.after ?? "0"),
        input.limit ?? 50,
        Math.min((input.wait_seconds ?? DEFAULT_WAIT_SECONDS) * 1000, MAX_WAIT_MS),
        longPollSignal(),
      );
      return { events: page.events, next_cursor: String(page.cursor), has_more: page.hasMore };
    },
  },

  set_presence: {
    title: "Say what you are doing",
    description:
      "Shows your person what you are doing on their calendar: status reading, thinking, acting or completed, with a short note. It lasts about a minute: call it again every 30 s while you work. Holds and commits show you acting by themselves. idempotency_key is accepted and not needed: setting a presence again sets the same presence.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async run(call) {
      const { idempotency_key: _key, ...body } = validateInput<
        PresenceRequest & { idempotency_key?: string }
      >("set_presence", call.args);
      const presence = await setPresence(call.ctx.people, call.caller, body);
      return { outcome: "set", presence: presenceJson(presence) };
    },
  },

  request_meeting: {
    title: "Meet someone elsewhere",
    description:
      "Books a meeting with someone at another organization (with: user@domain), on both calendars or neither. outcome: confirmed, pending (their person must answer; expires_at), conflict (side, suggested_times free on both) or rule_violation. Pass idempotency_key to retry safely: a retry answers the meeting this agent already has with the same person over the same times (replay: true).",
    annotations: {
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    },
    async run(call) {
      const body = validateInput<MeetingRequest & { idempotency_key?: string }>(
        "request_meeting",
        call.args,
      );
      const interval = parseInterval(body.start, body.end);
      const [result, zone] = await Promise.all([
        requestMeeting(call.ctx.booking, call.caller, {
          with: body.with.toLowerCase(),
          ...interval,
          subject: body.subject,
          note: body.note,
          ...(body.idempotency_key !== undefined && { repeat: "first_answer" as const }),
        }),
        zoneOf(call),
      ]);
      switch (result.outcome) {
        case "confirmed":
          return {
            outcome: "confirmed",
            booking: mcpBooking(result.booking, result.booking.committedAt, zone),
            replay: result.replay ?? false,
          };
        case "pending":
          return {
            outcome: "pending",
            booking: mcpBooking(result.booking, result.booking.committedAt, zone),
            expires_at: new Date(result.expiresAt).toISOString(),
            replay: result.replay ?? false,
          };
        case "conflict":
          return meetConflictJson(result, zone);
        case "rule_violation":
          return violationJson(result);
      }
    },
  },
};

/** The tool list as `tools/list` answers it, built once. */
export const TOOL_LIST = (Object.keys(TOOLS) as ToolName[]).map((name) => ({
  name,
  title: TOOLS[name].title,
  description: TOOLS[name].description,
  inputSchema: INPUT_SCHEMAS[name],
  outputSchema: OUTPUT_SCHEMAS[name],
  annotations: { title: TOOLS[name].title, ...TOOLS[name].annotations },
}));

export function toolNamed(name: string): ToolDefinition | undefined {
  return Object.hasOwn(TOOLS, name) ? TOOLS[name as ToolName] : undefined;
}
