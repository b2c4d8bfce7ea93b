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

  it("runs on a Redis Cluster given REDIS_CLUSTER_NODES", () => {
    expect(
      envToConfig(readEnv({ REDIS_CLUSTER_NODES: "redis://a:7000, rediss://b.example:7001" }))
        .store,
    ).toEqual({
      provider: "redis-cluster",
      nodes: ["redis://a:7000", "rediss://b.example:7001"],
      connectTimeoutMs: 30_000,
    });
    expect(envToConfig(readEnv({ REDIS_URL: "redis://a:6379" })).store).toEqual({
      provider: "redis",
      url: "redis://a:6379",
      connectTimeoutMs: 30_000,
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

  it("reads SMTP_URL and SMTP_FROM, never repeating the URL (it may hold a password) in errors", () => {
    expect(envToConfig(readEnv({})).mail).toEqual({
      smtpUrl: undefined,
      from: "calendario@localhost",
    });
    const cfg = envToConfig(
      readEnv({ SMTP_URL: "smtps://u:p@mail.acme.example:465", SMTP_FROM: "inbox@acme.example" }),
    );
    expect(cfg.mail).toEqual({
      smtpUrl: "smtps://u:p@mail.acme.example:465",
      from: "inbox@acme.example",
    });
    expect(() => envToConfig({ smtpUrl: "secret-password-here" })).toThrow(
      /^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL with a host$/,
    );
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
    [{ redisUrl: "redis://a:1", redisClusterNodes: "redis://b:1" }, "REDIS_CLUSTER_NODES"],
    [{ redisClusterNodes: "b:7000" }, "REDIS_CLUSTER_NODES"],
    [{ redisClusterNodes: "redis://b" }, "REDIS_CLUSTER_NODES"],
    [{ redisClusterNodes: "redis://b:7000,," }, "REDIS_CLUSTER_NODES"],
    [{ redisClusterNodes: "redis://b:7000/2" }, "REDIS_CLUSTER_NODES"],
    [{ allowInsecure: "maybe" }, "CALENDARIO_ALLOW_INSECURE"],
    [{ holdTtlSeconds: "0" }, "HOLD_TTL_SECONDS"],
    [{ bumpWindowSeconds: "-1" }, "BUMP_WINDOW_SECONDS"],
    [{ arbitrationWindowMs: "1.5" }, "ARBITRATION_WINDOW_MS"],
    [{ pendingTtlSeconds: "59" }, "PENDING_TTL_SECONDS"],
    [{ dnsServers: "127.0.0.1:99999" }, "CALENDARIO_DNS_SERVERS"],
    [{ smtpUrl: "mail.acme.example:25" }, "SMTP_URL"],
    [{ smtpUrl: "https://mail.acme.example" }, "SMTP_URL"],
    [{ smtpFrom: "not an address" }, "SMTP_FROM"],
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

  // Every integer setting: [variable, key in the environment map, smallest allowed].
  const INTEGER_SETTINGS = [
    ["HOLD_TTL_SECONDS", "holdTtlSeconds", 1],
    ["PENDING_TTL_SECONDS", "pendingTtlSeconds", 60],
    ["WEBHOOK_TIMEOUT_MS", "webhookTimeoutMs", 100],
    ["WEBHOOK_LEASE_MS", "webhookLeaseMs", 500],
    ["BUMP_WINDOW_SECONDS", "bumpWindowSeconds", 0],
    ["ARBITRATION_WINDOW_MS", "arbitrationWindowMs", 0],
    ["TRUST_PROXY", "trustProxy", 0],
    ["PORT", "port", 0],
  ] as const;

  describe.each(INTEGER_SETTINGS)("%s", (variable, key, min) => {
    const kind = min >= 1 ? "a positive integer" : "a non-negative integer";
    // PORT=0 needs a PUBLIC_URL; give one so only the number is judged.
    const base = { publicUrl: "http://localhost:8080" };
    it.each(["-5", "1.5", "ten", " 7", String(min - 1), "99999999999"])(
      `says "must be ${kind}" for %j`,
      (raw) => {
        expect(() => envToConfig({ ...base, [key]: raw })).toThrow(
          new RegExp(
            `^${variable}: must be ${kind} \\(${min} to \\d+\\), got "${raw.replace(".", "\\.")}"$`,
          ),
        );
      },
    );
    it("accepts its smallest value", () => {
      expect(() => envToConfig({ ...base, [key]: String(min) })).not.toThrow();
    });
  });

  it("requires an ADMIN_TOKEN of at least 16 characters", () => {
    expect(() => envToSecrets({ adminToken: "short" })).toThrow(/ADMIN_TOKEN/);
    expect(envToSecrets({ adminToken: "a-long-enough-admin-token" }).adminToken).toBe(
      "a-long-enough-admin-token",
    );
  });
});
