/**
 * The MCP tools' input schemas, taken from `schemas/`: a tool whose `/v1` route takes a
 * body uses that body's schema (with its path parameters added), the others
 * `schemas/mcp/tool-inputs.json`. The low-level MCP server publishes them as they are,
 * and the same JSON Schemas validate every call, so there is no second definition.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { InvalidRequestError } from "../../errors.js";
import { SCHEMAS_DIR } from "../../paths.js";

const addFormats = addFormatsModule.default;

export type JsonSchema = Record<string, unknown> & {
  type: "object";
  properties?: Record<string, object>;
  required?: string[];
};

function readJson(...parts: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS_DIR, ...parts), "utf8"));
}

const toolInputs = readJson("mcp", "tool-inputs.json") as {
  parameters: Record<string, object>;
  tools: Record<string, JsonSchema>;
};
const PARAM = toolInputs.parameters;

/**
 * A `/v1` request body's schema as a tool's input: without its identifiers and `user_id`
 * (a tool acts for the agent's own user), with path parameters added as required members.
 */
function fromApiBody(
  name: string,
  add: Record<string, object> = {},
  extra: { optional?: Record<string, object> } = {},
): JsonSchema {
  const { $schema: _s, $id: _i, title: _t, ...schema } = readJson("api", `${name}.json`);
  const properties = { ...(schema.properties as Record<string, object>) };
  delete properties.user_id;
  return {
    ...schema,
    type: "object",
    properties: { ...add, ...properties, ...extra.optional },
    required: [...Object.keys(add), ...((schema.required as string[] | undefined) ?? [])],
  };
}

export const INPUT_SCHEMAS = {
  whoami: toolInputs.tools.whoami!,
  get_availability: toolInputs.tools.get_availability!,
  create_hold: fromApiBody("hold-request"),
  release_hold: toolInputs.tools.release_hold!,
  commit_booking: fromApiBody("booking-request"),
  cancel_booking: toolInputs.tools.cancel_booking!,
  list_bookings: toolInputs.tools.list_bookings!,
  get_booking: toolInputs.tools.get_booking!,
  propose_times: fromApiBody(
    "counter-request",
    { booking_id: PARAM.booking_id! },
    {
      optional: retryKey(
        "A retry with a key answers the open counter-proposal this agent already made on the booking with the same slots and note (replay: true)",
      ),
    },
  ),
  answer_counter: answerCounterSchema(),
  get_audit: toolInputs.tools.get_audit!,
  wait_for_events: toolInputs.tools.wait_for_events!,
  request_meeting: fromApiBody(
    "meeting-request",
    {},
    {
      optional: retryKey(
        "A retry with a key answers the meeting this agent already has with the same person over the same times (replay: true)",
      ),
    },
  ),
  set_presence: fromApiBody(
    "presence-request",
    {},
    { optional: retryKey("Accepted and not stored: setting a presence is idempotent by itself") },
  ),
} satisfies Record<string, JsonSchema>;

export type ToolName = keyof typeof INPUT_SCHEMAS;

/** An `idempotency_key` member for a tool whose `/v1` body has none, saying what it does. */
function retryKey(description: string): Record<string, object> {
  return { idempotency_key: { ...PARAM.idempotency_key!, description } };
}

/** `answer_counter`: accept (with the counter-accept body's `slot_index`) or reject. */
function answerCounterSchema(): JsonSchema {
  const accept = fromApiBody("counter-accept-request");
  return {
    type: "object",
    required: ["booking_id", "counter_id", "decision"],
    additionalProperties: false,
    properties: {
      booking_id: PARAM.booking_id!,
      counter_id: PARAM.counter_id!,
      decision: { type: "string", enum: ["accept", "reject"] },
      ...accept.properties,
      ...retryKey(
        "A retry with a key of a decision already taken (the same slot, for an accept) answers the first answer (replay: true)",
      ),
    },
  };
}

const ajv = new Ajv({ strict: true, allErrors: false });
addFormats(ajv, { mode: "full" });
const validators = new Map<string, ValidateFunction>(
  Object.entries(INPUT_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]),
);

/** The tool's arguments typed as T, or an `invalid_request` naming where they are wrong. */
export function validateInput<T>(tool: ToolName, args: unknown): T {
  const validate = validators.get(tool)!;
  const value = args ?? {};
  if (validate(value)) return value as T;
  const err = validate.errors![0]!;
  const params = err.params as { missingProperty?: string; additionalProperty?: string };
  const member = params.missingProperty ?? params.additionalProperty;
  const pointer = member !== undefined ? `${err.instancePath}/${member}` : err.instancePath || "/";
  const message =
    err.keyword === "additionalProperties"
      ? `unknown member "${member}"`
      : err.keyword === "required"
        ? `"${member}" is required`
        : (err.message ?? "is invalid");
  throw new InvalidRequestError(`Invalid arguments: ${pointer} ${message}`, [{ pointer, message }]);
}
