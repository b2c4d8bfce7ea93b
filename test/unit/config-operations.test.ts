/** The operations settings: Redis connect wait, shutdown bound, metrics listener. */
import { describe, expect, it } from "vitest";
import { ConfigError, envToConfig } from "../../src/config.js";

describe("operations configuration", () => {
  it("defaults: 30 s for Redis at start, 10 s to shut down, no metrics listener", () => {
    const cfg = envToConfig({ redisUrl: "redis://127.0.0.1:6379" });
    expect(cfg.store).toMatchObject({ provider: "redis", connectTimeoutMs: 30_000 });
    expect(cfg.service.shutdownTimeoutMs).toBe(10_000);
    expect(cfg.metrics).toEqual({ port: undefined, host: "127.0.0.1" });
  });

  it("reads REDIS_CONNECT_TIMEOUT_SECONDS, SHUTDOWN_TIMEOUT_SECONDS, METRICS_PORT and METRICS_HOST", () => {
    const cfg = envToConfig({
      redisUrl: "redis://127.0.0.1:6379",
      redisConnectTimeoutSeconds: "5",
      shutdownTimeoutSeconds: "3",
      metricsPort: "9464",
      metricsHost: "0.0.0.0",
    });
    expect(cfg.store).toMatchObject({ connectTimeoutMs: 5000 });
    expect(cfg.service.shutdownTimeoutMs).toBe(3000);
    expect(cfg.metrics).toEqual({ port: 9464, host: "0.0.0.0" });
  });

  it("refuses a zero or non-numeric bound, naming the variable", () => {
    expect(() => envToConfig({ shutdownTimeoutSeconds: "0" })).toThrow(ConfigError);
    expect(() => envToConfig({ shutdownTimeoutSeconds: "0" })).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
    expect(() =>
      envToConfig({ redisUrl: "redis://h", redisConnectTimeoutSeconds: "soon" }),
    ).toThrow(/REDIS_CONNECT_TIMEOUT_SECONDS/);
    expect(() => envToConfig({ metricsPort: "70000" })).toThrow(/METRICS_PORT/);
  });
});
