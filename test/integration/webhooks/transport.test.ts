/** Delivery-time SSRF rules and outcomes of the webhook transport. */
import net, { type LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookTransport, PostError } from "../../../src/webhooks/transport.js";
import { answer, type Receiver, startReceiver } from "../../helpers/webhooks/receiver.js";

/** Every name resolves to loopback: a subscription's DNS changed after it was checked. */
const rebinding = ((_host: string, _opts: unknown, cb: (...a: unknown[]) => void) =>
  cb(null, [{ address: "127.0.0.1", family: 4 }])) as unknown as LookupFunction;

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PostError) return err.reason;
    throw err;
  }
  return "none";
}

describe("webhook transport", () => {
  it("refuses plain http, private literals and names resolving to private addresses", async () => {
    const t = createWebhookTransport({ allowInsecure: false, lookup: rebinding });
    try {
      expect(await reason(t.post(receiver.url, {}, "{}", 1000))).toBe("insecure_url");
      expect(await reason(t.post("https://127.0.0.1:1/x", {}, "{}", 1000))).toBe(
        "forbidden_address",
      );
      expect(await reason(t.post("https://[::1]:1/x", {}, "{}", 1000))).toBe("forbidden_address");
      expect(await reason(t.post("https://hooks.example/x", {}, "{}", 1000))).toBe(
        "forbidden_address",
      );
    } finally {
      await t.close();
    }
  });

  it("reports the status and Retry-After, and times out", async () => {
    const t = createWebhookTransport({ allowInsecure: true });
    try {
      receiver.setHandler(answer(429, { "retry-after": "7" }));
      expect(await t.post(receiver.url, { "x-test": "1" }, "{}", 1000)).toEqual({
        statusCode: 429,
        retryAfter: "7",
      });
      expect(receiver.received.at(-1)!.headers["x-test"]).toBe("1");
      receiver.setHandler(() => {});
      expect(await reason(t.post(receiver.url, {}, "{}", 100))).toBe("timeout");
    } finally {
      await t.close();
    }
  });

  it("reports a refused connection as a network failure", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const t = createWebhookTransport({ allowInsecure: true });
    try {
      expect(await reason(t.post(`http://127.0.0.1:${port}/x`, {}, "{}", 1000))).toBe("network");
    } finally {
      await t.close();
    }
  });
});
