import { describe, expect, it } from "vitest";
import { answerCommit } from "../../../src/arbiter/agent-booking.js";
import { MemoryStore } from "../../../src/arbiter/index.js";
import type { CommitOutcome } from "../../../src/arbiter/types.js";
import { ManualClock } from "../../../src/clock.js";
import { AppError } from "../../../src/errors.js";

const store = new MemoryStore(new ManualClock(0));
const view = { profile: { username: "jane", timezone: "UTC", scheduling: [] }, rules: undefined };
const agent = { id: "agt_a", username: "jane", name: "A", priority: 1, scopes: [], createdAt: 0 };

async function errorFor(reason: string) {
  const outcome = { status: "rejected", reason, replay: false } as CommitOutcome;
  try {
    await answerCommit(store, view, agent, { start: 0, end: 1, body: {} }, outcome, 0);
  } catch (err) {
    return err as AppError;
  }
  throw new Error("no error");
}

describe("answerCommit maps every refusal to its error", () => {
  it.each([
    ["daily_limit", 422, "rule_violation"],
    ["hold_not_found", 404, "hold_not_found"],
    ["booking_not_found", 404, "booking_not_found"],
    ["idempotency_mismatch", 422, "rule_violation"],
    ["arbitration_expired", 503, "store_unavailable"],
  ])("%s → %i %s", async (reason, status, code) => {
    const err = await errorFor(reason);
    expect(err).toBeInstanceOf(AppError);
    expect(err.statusCode).toBe(status);
    expect(err.code).toBe(code);
  });
});
