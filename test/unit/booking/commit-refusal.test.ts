import { describe, expect, it } from "vitest";
import { commitRefusal } from "../../../src/booking/index.js";
import { AppError } from "../../../src/errors.js";
import { statusOf } from "../../../src/http/error-status.js";
import { agentConflictError, violationError } from "../../../src/http/v1/answers.js";

type Reason = Parameters<typeof commitRefusal>[0];

/** The error a door answers with, for a refusal: thrown by the mapping, or its rule violation. */
function errorFor(reason: Reason): AppError {
  try {
    return violationError(commitRefusal(reason));
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
}

describe("commitRefusal maps every refusal of either store to one answer", () => {
  it.each([
    ["daily_limit", 422, "rule_violation"],
    ["hold_not_found", 404, "hold_not_found"],
    ["booking_not_found", 404, "booking_not_found"],
    ["idempotency_mismatch", 422, "rule_violation"],
    ["arbitration_expired", 503, "store_unavailable"],
  ] as const)("%s → %i %s", (reason, status, code) => {
    const err = errorFor(reason);
    expect(statusOf(err.code)).toBe(status);
    expect(err.code).toBe(code);
  });

  it("names the rule in reason_code", () => {
    expect(errorFor("daily_limit").payload).toMatchObject({ reason_code: "daily_limit" });
    expect(errorFor("idempotency_mismatch").payload).toMatchObject({
      reason_code: "idempotency_key_reused",
    });
  });
});

describe("the /v1 conflict body", () => {
  it("names the winning agent flat, as AgentDraft clients read it", () => {
    const err = agentConflictError({
      outcome: "conflict",
      winner: {
        kind: "booking",
        id: "bkg_a",
        agentId: "agt_w",
        priority: 1,
        start: 0,
        end: 1_800_000,
        frozen: false,
      },
      suggestions: [{ start: 3_600_000, end: 5_400_000 }],
      auditRef: "evt_1",
    });
    expect(statusOf(err.code)).toBe(409);
    expect(err.payload).toMatchObject({
      error: { code: "conflict" },
      winning_agent_id: "agt_w",
      winning_agent_priority: 1,
      audit_ref: "evt_1",
      suggested_times: ["1970-01-01T01:00:00.000Z"],
    });
  });
});
