import { describe, expect, it } from "vitest";
import { ConfigError, envToConfig, envToSecrets, readEnv } from "../../src/config.js";

describe("configuration", () => {
  it("has working defaults", () => {
    const cfg = envToConfig(readEnv({}), "/srv");
    expect(cfg).toMatchObject({
      service: {
        port: 8080,
        host: "127.0.0.1",
        publicUrl: "http://localhost:8080",
        domain: "localhost:8080",
        dataDir: "/srv/data",
        profilesDir: "/srv/profiles",
      },
      log: { level: "info" },
      outbound: { allowInsecure: false, dnsServers: [] },
      booking: {
        holdTtlSeconds: 30,
        bumpWindowSeconds: 30,
        arbitrationWindowMs: 250,
        pendingTtlSeconds: 86_400,
      },
      store: { provider: "memory" },
    });
  });

  it("derives the domain from PUBLIC_URL, port included", () => {
    expect(envToConfig({ publicUrl: "https://acme.example" }).service.domain).toBe("acme.example");
    expect(envToConfig({ publicUrl: "https://acme.example:8443" }).service.domain).toBe(
      "acme.example:8443",
    );
    expect(
      envToConfig({ publicUrl: "https://a.example", domain: "b.example" }).service.domain,
    ).toBe("b.example");
  });

  it("parses DNS servers", () => {
    expect(
      envToConfig({ dnsServers: "127.0.0.1:5353, [::1]:53,10.0.0.1" }).outbound.dnsServers,
    ).toEqual([
      { host: "127.0.0.1", port: 5353 },
      { host: "::1", port: 53 },
      { host: "10.0.0.1", port: 53 },
    ]);
  });

  it.each([
    [{ port: "http" }, "PORT"],
    [{ port: "70000" }, "PORT"],
    [{ port: "0" }, "PUBLIC_URL"],
    [{ publicUrl: "not a url" }, "PUBLIC_URL"],
    [{ publicUrl: "https://acme.example/path" }, "PUBLIC_URL"],
    [{ publicUrl: "http://acme.example" }, "PUBLIC_URL"],
    [{ domain: "bad domain" }, "CALENDARIO_DOMAIN"],
    [{ logLevel: "loud" }, "LOG_LEVEL"],
    [{ redisUrl: "localhost:6379" }, "REDIS_URL"],
    [{ allowInsecure: "maybe" }, "CALENDARIO_ALLOW_INSECURE"],
    [{ holdTtlSeconds: "0" }, "HOLD_TTL_SECONDS"],
    [{ bumpWindowSeconds: "-1" }, "BUMP_WINDOW_SECONDS"],
    [{ arbitrationWindowMs: "1.5" }, "ARBITRATION_WINDOW_MS"],
    [{ pendingTtlSeconds: "59" }, "PENDING_TTL_SECONDS"],
    [{ dnsServers: "127.0.0.1:99999" }, "CALENDARIO_DNS_SERVERS"],
  ])("stops on %o with a message naming %s", (env, variable) => {
    let thrown: unknown;
    try {
      envToConfig(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as Error).message.startsWith(`${variable}:`)).toBe(true);
  });

  it("allows plain http for a non-local PUBLIC_URL only with CALENDARIO_ALLOW_INSECURE=1", () => {
    expect(
      envToConfig({ publicUrl: "http://acme.test:8080", allowInsecure: "1" }).service.publicUrl,
    ).toBe("http://acme.test:8080");
  });

  it("requires an ADMIN_TOKEN of at least 16 characters", () => {
    expect(() => envToSecrets({ adminToken: "short" })).toThrow(/ADMIN_TOKEN/);
    expect(envToSecrets({ adminToken: "a-long-enough-admin-token" }).adminToken).toBe(
      "a-long-enough-admin-token",
    );
  });
});
