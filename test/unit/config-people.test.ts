import { describe, expect, it } from "vitest";
import { envToConfig } from "../../src/config.js";

describe("configuration of the person's side", () => {
  it("defaults presence to 60 s and has no SMTP", () => {
    const cfg = envToConfig({ publicUrl: "https://acme.example" });
    expect(cfg.presence).toEqual({ ttlSeconds: 60 });
    expect(cfg.mail).toEqual({ smtpUrl: undefined, from: "calendario@acme.example" });
  });

  it("reads PRESENCE_TTL_SECONDS, SMTP_URL and SMTP_FROM", () => {
    const cfg = envToConfig({
      publicUrl: "https://acme.example",
      presenceTtlSeconds: "2",
      smtpUrl: "smtp://127.0.0.1:2525",
      smtpFrom: "inbox@acme.example",
    });
    expect(cfg.presence.ttlSeconds).toBe(2);
    expect(cfg.mail).toEqual({ smtpUrl: "smtp://127.0.0.1:2525", from: "inbox@acme.example" });
  });

  it("refuses a presence TTL out of range and an SMTP_URL that is not smtp", () => {
    expect(() => envToConfig({ presenceTtlSeconds: "0" })).toThrow(/PRESENCE_TTL_SECONDS/);
    expect(() => envToConfig({ smtpUrl: "http://mail.example" })).toThrow(/SMTP_URL/);
  });
});
