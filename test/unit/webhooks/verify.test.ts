import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  constructWebhookEvent,
  parseSignatureHeader,
  stripeStyleSignature,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "../../../src/webhooks/index.js";

const { vectors } = JSON.parse(
  readFileSync(new URL("../../fixtures/vectors/webhooks/signatures.json", import.meta.url), "utf8"),
) as {
  vectors: { secrets: string[]; timestamp: number; body: string; x_agentdraft_signature: string }[];
};
const one = vectors[0]!;
const rotation = vectors[1]!;
const SECRET = one.secrets[0]!;
const T = one.timestamp;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookSignatureError) return err.code;
    throw err;
  }
  return undefined;
}

describe("verifyWebhookSignature", () => {
  it("accepts a known-answer header within the tolerance, past and future", () => {
    for (const now of [T, T - 300, T + 300])
      expect(verifyWebhookSignature(one.body, one.x_agentdraft_signature, SECRET, { now })).toBe(T);
  });

  it("rejects t 301 s in the past or the future", () => {
    for (const now of [T + 301, T - 301])
      expect(
        code(() => verifyWebhookSignature(one.body, one.x_agentdraft_signature, SECRET, { now })),
      ).toBe("timestamp_out_of_tolerance");
  });

  it("honours another tolerance", () => {
    const opts = { now: T + 10, toleranceSeconds: 5 };
    expect(
      code(() => verifyWebhookSignature(one.body, one.x_agentdraft_signature, SECRET, opts)),
    ).toBe("timestamp_out_of_tolerance");
  });

  it("refuses a tolerance or a clock that is not a finite number, rather than skip the check", () => {
    for (const toleranceSeconds of [Number.NaN, Number.POSITIVE_INFINITY, -1])
      expect(() =>
        verifyWebhookSignature(one.body, one.x_agentdraft_signature, SECRET, {
          now: T + 10_000,
          toleranceSeconds,
        }),
      ).toThrow(RangeError);
    for (const now of [Number.NaN, Number.POSITIVE_INFINITY])
      expect(() =>
        verifyWebhookSignature(one.body, one.x_agentdraft_signature, SECRET, { now }),
      ).toThrow(RangeError);
  });

  it("rejects a header without t, or with a bad or repeated t", () => {
    const v1 = one.x_agentdraft_signature.split(",")[1]!;
    for (const header of [v1, `t=,${v1}`, `t=12x,${v1}`, `t=${T},t=${T},${v1}`])
      expect(code(() => verifyWebhookSignature(one.body, header, SECRET, { now: T }))).toBe(
        "missing_timestamp",
      );
  });

  it("rejects an empty v1, or none", () => {
    for (const header of [`t=${T},v1=`, `t=${T}`, `t=${T},v0=abc`])
      expect(code(() => verifyWebhookSignature(one.body, header, SECRET, { now: T }))).toBe(
        "no_signatures",
      );
    expect(code(() => verifyWebhookSignature(one.body, "", SECRET, { now: T }))).toBe(
      "missing_header",
    );
  });

  it("rejects a modified body, a wrong secret and a truncated signature", () => {
    const header = one.x_agentdraft_signature;
    expect(code(() => verifyWebhookSignature(`${one.body} `, header, SECRET, { now: T }))).toBe(
      "signature_mismatch",
    );
    expect(
      code(() =>
        verifyWebhookSignature(one.body.replace("jane", "john"), header, SECRET, { now: T }),
      ),
    ).toBe("signature_mismatch");
    expect(
      code(() => verifyWebhookSignature(one.body, header, rotation.secrets[0]!, { now: T })),
    ).toBe("signature_mismatch");
    expect(
      code(() => verifyWebhookSignature(one.body, header.slice(0, -2), SECRET, { now: T })),
    ).toBe("signature_mismatch");
  });

  it("accepts a rotation header where one v1 matches, with either secret", () => {
    const now = rotation.timestamp;
    for (const secret of rotation.secrets)
      expect(
        verifyWebhookSignature(rotation.body, rotation.x_agentdraft_signature, secret, { now }),
      ).toBe(now);
    // One matching v1 among signatures from secrets the receiver does not know.
    const mixed = `t=${now},v1=${"0".repeat(64)},${stripeStyleSignature([SECRET], now, rotation.body).split(",")[1]}`;
    expect(verifyWebhookSignature(rotation.body, mixed, SECRET, { now })).toBe(now);
  });

  it("accepts the receiver's several secrets during its own rotation", () => {
    expect(
      verifyWebhookSignature(one.body, one.x_agentdraft_signature, ["whsec_other", SECRET], {
        now: T,
      }),
    ).toBe(T);
  });

  it("takes the raw body as bytes too, and parses the envelope", () => {
    const event = constructWebhookEvent<{ type: string }>(
      Buffer.from(rotation.body, "utf8"),
      rotation.x_agentdraft_signature,
      rotation.secrets[1]!,
      { now: rotation.timestamp },
    );
    expect(event.type).toBe("booking.evicted");
  });

  it("parses headers leniently: spaces, unknown schemes", () => {
    expect(parseSignatureHeader(` t=5 , v1=ab, v0=cd, x , v1=ef`)).toEqual({
      timestamp: 5,
      v1: ["ab", "ef"],
    });
  });
});
