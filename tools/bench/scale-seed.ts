/**
 * Seeds a node's store for the scale bench (tools/bench/scale.ts), inside the node's own
 * process (the memory store lives there) and through the lowest layers that still leave a
 * realistic state: users through the node's own profile publishing (signed, as the admin
 * API stores them) or, beyond the first few, as copies of one published record under
 * each username; bookings through `Store.commit`, each with its audit event — no HTTP.
 */
import { createHash } from "node:crypto";
import { ADMIN, createAgent } from "../../src/booking/index.js";
import type { Context } from "../../src/context.js";
import { putUserProfile } from "../../src/profile/users.js";
import { OPEN_ALL_WEEK } from "../../test/helpers/profiles.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BOOKING_MS = 30 * 60_000;

export interface CalendarPlan {
  username: string;
  /** Every booking the calendar holds, inside and outside the window. */
  bookings: number;
}

export interface ScalePlan {
  /** Start of the queried week (midnight UTC); the same few bookings lie inside it. */
  windowStart: number;
  calendars: CalendarPlan[];
  /** Users to add besides the calendars' (profile GET with many users). */
  extraUsers: number;
}

export interface SeededCalendar {
  username: string;
  bookings: number;
  /** Bearer keys: the committing agent (priority 1), then the seed agent (priority 2). */
  committerKey: string;
  /** Bookings inside the queried week. */
  inWindow: number;
}

export const WINDOW_DAYS = 7;
/** The window's own bookings, the same in every calendar: one a day at 10:00, weekdays. */
export const WINDOW_BOOKINGS = 5;
/** Nothing is seeded within this of the window: availability reads two days around it. */
const CLEAR_AROUND_MS = 3 * DAY_MS;

/** Where commits go: half-hour gaps [h:30, h+1:00) from here on, empty in every calendar. */
export function commitSlot(plan: ScalePlan, n: number): { start: number; end: number } {
  const start = commitRegionStart(plan) + n * HOUR_MS + BOOKING_MS;
  return { start, end: start + BOOKING_MS };
}

function commitRegionStart(plan: ScalePlan): number {
  return plan.windowStart + WINDOW_DAYS * DAY_MS + CLEAR_AROUND_MS;
}

/**
 * The starts of a calendar's bookings: the window's few, then [h:00, h:30) every hour
 * outside the window's surroundings, half before it and half after (years of history and
 * future), or — for a small calendar — a few spread a year apart.
 */
export function bookingStarts(plan: ScalePlan, total: number): number[] {
  const w0 = plan.windowStart;
  const starts = Array.from(
    { length: Math.min(total, WINDOW_BOOKINGS) },
    (_, d) => w0 + d * DAY_MS + 10 * HOUR_MS,
  );
  const outside = total - starts.length;
  if (outside <= 0) return starts;
  if (outside < 100) {
    for (let i = 0; i < outside; i++) {
      const years = i % 2 === 0 ? -(1 + i / 2) : 1 + (i - 1) / 2;
      starts.push(w0 + Math.round(years * 365) * DAY_MS + 14 * HOUR_MS);
    }
    return starts;
  }
  const before = Math.floor(outside / 2);
  const beforeEnd = w0 - CLEAR_AROUND_MS;
  for (let i = before; i >= 1; i--) starts.push(beforeEnd - i * HOUR_MS);
  const after = commitRegionStart(plan);
  for (let i = 0; i < outside - before; i++) starts.push(after + i * HOUR_MS);
  return starts;
}

const profileOf = (username: string) => ({
  version: "0.1",
  username,
  display_name: `Bench ${username}`,
  timezone: "UTC",
  visibility: "public",
  allow_anonymous_booking: false,
  scheduling: OPEN_ALL_WEEK,
  min_notice_hours: 0,
  response_channel: { human_ack_required: false },
});

async function seedBookings(ctx: Context, username: string, agentId: string, starts: number[]) {
  const inFlight = ctx.store.kind === "redis" ? 8 : 1;
  let next = 0;
  const worker = async () => {
    while (next < starts.length) {
      const i = next++;
      const start = starts[i]!;
      const outcome = await ctx.store.commit({
        username,
        agentId,
        priority: 2,
        start,
        end: start + BOOKING_MS,
        bookingId: `bkg_seed${String(i).padStart(7, "0")}`,
        bumpWindowMs: 0,
        dayKey: new Date(start).toISOString().slice(0, 10),
        maxPerDay: 0,
        details: { title: `Seeded meeting ${i}` },
        fingerprint: `seed-${i}`,
        actor: agentId,
      });
      if (outcome.status !== "committed") throw new Error(`seed booking ${i}: ${outcome.status}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function seedCalendar(
  ctx: Context,
  plan: ScalePlan,
  cal: CalendarPlan,
): Promise<SeededCalendar> {
  await putUserProfile(ctx.store, ctx.publishDeps, cal.username, profileOf(cal.username), "admin");
  const committer = await createAgent(ctx.booking, ADMIN, {
    username: cal.username,
    name: "committer",
    priority: 1,
  });
  const seed = await createAgent(ctx.booking, ADMIN, {
    username: cal.username,
    name: "assistant",
    priority: 2,
  });
  const starts = bookingStarts(plan, cal.bookings);
  await seedBookings(ctx, cal.username, seed.agent.id, starts);
  const w0 = plan.windowStart;
  return {
    username: cal.username,
    bookings: starts.length,
    committerKey: committer.apiKey,
    inWindow: starts.filter((s) => s >= w0 && s < w0 + WINDOW_DAYS * DAY_MS).length,
  };
}

/**
 * `count` users named `user000001`…: the first signed through the node's publishing, the
 * rest copies of its record under their own names (signing 100,000 profiles one by one
 * is start-up's cost, measured elsewhere; a profile GET reads the record, not the proof).
 */
async function seedUsers(ctx: Context, count: number): Promise<void> {
  if (count === 0) return;
  const name = (i: number) => `user${String(i).padStart(6, "0")}`;
  const { record } = await putUserProfile(
    ctx.store,
    ctx.publishDeps,
    name(1),
    profileOf(name(1)),
    "admin",
  );
  const inFlight = ctx.store.kind === "redis" ? 8 : 1;
  let next = 2;
  const worker = async () => {
    while (next <= count) {
      const username = name(next++);
      const published = record.published.replaceAll(name(1), username);
      await ctx.store.putUser(
        {
          ...record,
          username,
          input: profileOf(username),
          published,
          etag: `"${createHash("sha256").update(published).digest("base64url").slice(0, 32)}"`,
        },
        "admin",
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

export async function seedScale(ctx: Context, plan: ScalePlan): Promise<SeededCalendar[]> {
  const seeded: SeededCalendar[] = [];
  for (const cal of plan.calendars) seeded.push(await seedCalendar(ctx, plan, cal));
  await seedUsers(ctx, plan.extraUsers);
  return seeded;
}
