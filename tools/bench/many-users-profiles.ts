/**
 * Writes N profile files `user-000001.json` … into a directory, as an organization of N
 * people keeps them in PROFILES_DIR: a few shapes of week, zones and messages, so that no
 * two files are the same bytes. Used by the many-users bench and the start-up tests.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

const ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"];

export function manyUsersUsername(i: number): string {
  return `user-${String(i).padStart(6, "0")}`;
}

/** The profile of the i-th user (1-based): deterministic, valid, custodial (node-signed). */
export function manyUsersProfile(i: number): Record<string, unknown> {
  const username = manyUsersUsername(i);
  const start = 7 + (i % 4);
  return {
    version: "0.1",
    username,
    display_name: `User ${i}`,
    timezone: ZONES[i % ZONES.length],
    visibility: i % 10 === 0 ? "private" : "public",
    allow_anonymous_booking: false,
    min_notice_hours: i % 48,
    max_bookings_per_day: 1 + (i % 8),
    scheduling: [
      {
        type: "weekly",
        days: WEEKDAYS.slice(0, 3 + (i % 3)),
        hours: [`${String(start).padStart(2, "0")}:00-12:00`, "13:00-17:00"],
      },
    ],
    response_channel: {
      human_ack_required: i % 7 === 0,
      booking_confirmation_message: `Thanks for booking with user ${i}.`,
    },
  };
}

/** Writes users `from`..`to` (inclusive) into `dir`, a bounded number of files at a time. */
export async function writeManyUsersProfiles(dir: string, to: number, from = 1): Promise<void> {
  await mkdir(dir, { recursive: true });
  const BATCH = 500;
  for (let first = from; first <= to; first += BATCH) {
    const writes: Promise<void>[] = [];
    for (let i = first; i < Math.min(first + BATCH, to + 1); i++)
      writes.push(
        writeFile(
          path.join(dir, `${manyUsersUsername(i)}.json`),
          `${JSON.stringify(manyUsersProfile(i), null, 2)}\n`,
        ),
      );
    await Promise.all(writes);
  }
}

// `tsx tools/bench/many-users-profiles.ts <dir> <n>`: a directory to start a node on by hand.
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [dir, n] = process.argv.slice(2);
  if (!dir || !n) throw new Error("usage: many-users-profiles.ts <dir> <n>");
  await writeManyUsersProfiles(dir, Number(n));
}
