/**
 * Availability over HTTP against profile GET requests/s (the baseline) in the same run:
 * a 30-day query (Mon–Fri 09:00–17:00 America/New_York, 40 bookings, 30-minute slots)
 * and a 90-day query with 300 bookings.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ratio, runLoad, startServer } from "./http-load.js";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const ADMIN = "bench-admin-token-0123456789";
const DAY = 86_400_000;

async function api(base: string, method: string, url: string, token: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Weekday 09:00–17:00 New York slots from `from`, spread so bookings never collide. */
function bookingTimes(from: number, days: number, count: number): { start: string; end: string }[] {
  const out: { start: string; end: string }[] = [];
  for (let i = 0; out.length < count && i < days * 16; i++) {
    const day = from + Math.floor((i * days) / count) * DAY;
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    // 15:00Z is 10:00 EST (or 11:00 EDT): always inside 09:00–17:00.
    const start = day + 15 * 3_600_000 + (i % 8) * 30 * 60_000;
    if (out.some((b) => Date.parse(b.start) === start)) continue;
    out.push({
      start: new Date(start).toISOString(),
      end: new Date(start + 30 * 60_000).toISOString(),
    });
  }
  return out;
}

async function seed(base: string, username: string, days: number, bookings: number, from: number) {
  await api(base, "PUT", `/admin/v1/users/${username}`, ADMIN, {
    version: "0.1",
    username,
    display_name: username,
    timezone: "America/New_York",
    visibility: "public",
    allow_anonymous_booking: false,
    scheduling: [
      {
        type: "weekly",
        days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        hours: ["09:00-17:00"],
      },
    ],
    response_channel: { human_ack_required: false },
  });
  const agent = await api(base, "POST", `/admin/v1/users/${username}/agents`, ADMIN, {
    name: "seed",
    priority: 1,
  });
  for (const b of bookingTimes(from, days, bookings))
    await api(base, "POST", "/v1/bookings", agent.api_key as string, b);
}

export async function benchAvailabilityHttp(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "calendario-bench-"));
  try {
    const node = await startServer(path.join(HERE, "servers/node.ts"), {
      DATA_DIR: path.join(dir, "data"),
      PROFILES_DIR: path.resolve(HERE, "../../profiles"),
      LOG_LEVEL: "warn",
      ADMIN_TOKEN: ADMIN,
      PUBLIC_URL: "https://bench.example",
      ARBITRATION_WINDOW_MS: "0",
    });
    const base = `http://127.0.0.1:${node.port}`;
    const from = Date.parse(new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10));
    await seed(base, "month", 30, 40, from);
    await seed(base, "quarter", 90, 300, from);
    const q = (user: string, days: number) =>
      `${base}/api/availability/${user}?start=${new Date(from).toISOString()}&end=${new Date(from + days * DAY).toISOString()}&duration_minutes=30`;
    const check = (await (await fetch(q("month", 30))).json()) as { slots: unknown[] };
    const profile = await runLoad(`${base}/.well-known/calendario/jane`);
    const month = await runLoad(q("month", 30));
    const quarter = await runLoad(q("quarter", 90));
    await node.stop();
    return {
      name: "availability over HTTP vs profile GET (same node, same run)",
      profileGetRps: Math.round(profile.requestsPerSec),
      days30: {
        slots: check.slots.length,
        rps: Math.round(month.requestsPerSec),
        ratio: ratio(month.requestsPerSec, profile.requestsPerSec),
        target: ">= 0.3",
        p50Ms: month.p50Ms,
        p99Ms: month.p99Ms,
      },
      days90bookings300: {
        rps: Math.round(quarter.requestsPerSec),
        ratio: ratio(quarter.requestsPerSec, profile.requestsPerSec),
        p50Ms: quarter.p50Ms,
        p99Ms: quarter.p99Ms,
      },
      errors: [profile, month, quarter].reduce((s, r) => s + r.errors + r.non2xx, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
