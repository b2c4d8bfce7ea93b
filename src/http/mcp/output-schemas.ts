/**
 * What each MCP tool answers (`structuredContent`), as JSON Schemas published in the tool
 * list so clients can check results. Decisions carry an `outcome`: a lost race or a rule
 * violation is a result like a success, not an error.
 */
import type { JsonSchema, ToolName } from "./schemas.js";

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const utc = { type: "string", description: "RFC 3339, UTC (Z)" } as const;
const local = { type: "string", description: "The same instant in the user's time zone" } as const;

const slot = {
  type: "object",
  required: ["start", "end", "local_start", "local_end"],
  properties: { start: utc, end: utc, local_start: local, local_end: local },
} as const;

const hold = {
  type: "object",
  required: ["hold_id", "agent_id", "start", "end", "expires_at"],
  properties: {
    hold_id: str,
    agent_id: str,
    priority: int,
    start: utc,
    end: utc,
    local_start: local,
    local_end: local,
    expires_at: utc,
  },
} as const;

const booking = {
  type: "object",
  required: ["booking_id", "status", "start", "end", "agent_id"],
  properties: {
    booking_id: str,
    status: str,
    start: utc,
    end: utc,
    local_start: local,
    local_end: local,
    agent_id: str,
    priority: int,
    frozen: bool,
  },
} as const;

const counter = {
  type: "object",
  required: ["counter_id", "booking_id", "proposed", "status"],
  properties: {
    counter_id: str,
    booking_id: str,
    proposed: { type: "array", items: slot },
    status: str,
  },
} as const;

/** The outcomes every decision may end in besides its success. */
const conflict = {
  winner: {
    type: "object",
    required: ["agent_id", "priority"],
    properties: { agent_id: str, priority: int, kind: str, start: utc, end: utc, frozen: bool },
  },
  suggested_times: { type: "array", items: slot },
  reason: str,
  message: str,
};

function decision(outcomes: string[], members: Record<string, object>): JsonSchema {
  return {
    type: "object",
    required: ["outcome"],
    properties: {
      outcome: { type: "string", enum: [...outcomes, "conflict", "rule_violation"] },
      ...conflict,
      ...members,
    },
  };
}

export const OUTPUT_SCHEMAS: Record<ToolName, JsonSchema> = {
  whoami: {
    type: "object",
    required: ["agent_id", "user_id", "priority", "timezone", "now"],
    properties: {
      agent_id: str,
      name: str,
      user_id: str,
      priority: int,
      scopes: { type: "array", items: str },
      timezone: str,
      now: { type: "object", required: ["utc", "local"], properties: { utc, local } },
      hold_ttl_seconds: int,
      bump_window_seconds: int,
    },
  },
  get_availability: {
    type: "object",
    required: ["user_id", "timezone", "slots"],
    properties: {
      user_id: str,
      timezone: str,
      duration_minutes: int,
      with: str,
      slots: { type: "array", items: slot },
    },
  },
  create_hold: decision(["held"], { hold, audit_ref: str, replay: bool }),
  release_hold: decision(["released"], { hold, audit_ref: str }),
  commit_booking: decision(["committed", "pending"], {
    booking,
    expires_at: utc,
    audit_ref: str,
    replay: bool,
    displaced_holds: { type: "array", items: hold },
    evicted: { type: "array", items: booking },
  }),
  cancel_booking: decision(["cancelled"], { booking, audit_ref: str }),
  list_bookings: {
    type: "object",
    required: ["user_id", "timezone", "bookings"],
    properties: { user_id: str, timezone: str, bookings: { type: "array", items: booking } },
  },
  get_booking: {
    type: "object",
    required: ["booking"],
    properties: { timezone: str, booking },
  },
  propose_times: decision(["proposed"], { counter }),
  answer_counter: decision(["accepted", "rejected"], { counter, booking, audit_ref: str }),
  get_audit: {
    type: "object",
    required: ["user_id", "events", "checkpoint", "next_after"],
    properties: {
      user_id: str,
      events: { type: "array", items: { type: "object" } },
      checkpoint: { type: "object" },
      next_after: int,
    },
  },
  wait_for_events: {
    type: "object",
    required: ["events", "next_cursor", "has_more"],
    properties: {
      events: { type: "array", items: { type: "object" } },
      next_cursor: str,
      has_more: bool,
    },
  },
  set_presence: {
    type: "object",
    required: ["outcome", "presence"],
    properties: {
      outcome: { type: "string", enum: ["set"] },
      presence: {
        type: "object",
        required: ["agent_id", "status", "expires_at"],
        properties: {
          agent_id: str,
          name: str,
          status: str,
          note: str,
          updated_at: utc,
          expires_at: utc,
        },
      },
    },
  },
  request_meeting: decision(["confirmed", "pending"], {
    booking,
    expires_at: utc,
    side: { type: "string", enum: ["local", "remote"] },
  }),
};
