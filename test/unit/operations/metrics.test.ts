/**
 * A series observer counts into prom-client's own series: what /metrics exports is what
 * prom-client's `observe` would have exported for the same values, whoever created the
 * series, and after a reset.
 */
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { seriesObserver } from "../../../src/operations/metrics.js";

function histogram() {
  const registry = new Registry();
  const h = new Histogram({
    name: "test_duration_seconds",
    help: "test",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.1, 1],
    registers: [registry],
  });
  return { registry, h };
}

const LABELS = { method: "GET", route: "/x/:id", status: "200" };
const OTHER = { method: "HEAD", route: "/x/:id", status: "304" };
// On bucket bounds, between them, past the last one, and zero.
const VALUES = [0, 0.005, 0.0051, 0.01, 0.05, 0.1, 0.5, 1, 1.5, 30, 0.003];

describe("seriesObserver", () => {
  it("exports what prom-client's observe exports for the same values", async () => {
    const ours = histogram();
    const theirs = histogram();
    const observe = seriesObserver(ours.h, LABELS);
    const other = seriesObserver(ours.h, OTHER);
    for (const [i, v] of VALUES.entries()) {
      observe(v);
      theirs.h.observe(LABELS, v);
      if (i % 3 === 0) {
        other(v * 2);
        theirs.h.observe(OTHER, v * 2);
      }
    }
    expect(await ours.registry.metrics()).toBe(await theirs.registry.metrics());
  });

  it("counts into a series prom-client created, and starts again after a reset", async () => {
    const ours = histogram();
    const theirs = histogram();
    // Created by prom-client, from labels in another order (which its export keeps).
    ours.h.observe({ status: "200", route: "/x/:id", method: "GET" }, 0.2);
    theirs.h.observe({ status: "200", route: "/x/:id", method: "GET" }, 0.2);
    const observe = seriesObserver(ours.h, LABELS);
    for (const v of VALUES) {
      observe(v);
      ours.h.observe(LABELS, v / 3);
      theirs.h.observe(LABELS, v);
      theirs.h.observe(LABELS, v / 3);
    }
    expect(await ours.registry.metrics()).toBe(await theirs.registry.metrics());
    ours.h.reset();
    theirs.h.reset();
    observe(0.02);
    observe(0.002);
    theirs.h.observe(LABELS, 0.02);
    theirs.h.observe(LABELS, 0.002);
    expect(await ours.registry.metrics()).toBe(await theirs.registry.metrics());
    expect(await ours.registry.metrics()).toContain(
      'test_duration_seconds_count{method="GET",route="/x/:id",status="200"} 2',
    );
  });

  it("refuses what prom-client refuses", () => {
    const { h } = histogram();
    const observe = seriesObserver(h, LABELS);
    observe(0.1);
    expect(() => observe(Number.NaN)).toThrow(TypeError);
    expect(() => observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});
