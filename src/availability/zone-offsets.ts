/**
 * A zone's UTC offsets as a list of segments in epoch milliseconds. Luxon (Intl) is asked
 * about each UTC day once per process: asking costs microseconds, and a query touches
 * dozens of days, so doing it per call, per slot or per booking would dominate the engine.
 */
import { IANAZone } from "luxon";
import { InvalidRequestError } from "../errors.js";
import { DAY_MS } from "./types.js";

/** From instant `from`, the zone is `offsetMs` ahead of UTC, until the next segment. */
export interface OffsetSegment {
  from: number;
  offsetMs: number;
}

interface ZoneOffsets {
  zone: IANAZone;
  startOffsets: Map<number, number>;
  utcDays: Map<number, OffsetSegment[]>;
}

// Zone rules do not change while the process runs; the bound only caps memory.
const MAX_CACHED_DAYS = 200_000;
const zones = new Map<string, ZoneOffsets>();

function zoneOffsets(name: string): ZoneOffsets {
  let entry = zones.get(name);
  if (!entry) {
    const zone = IANAZone.isValidZone(name) ? IANAZone.create(name) : undefined;
    if (!zone?.isValid) {
      throw new InvalidRequestError(`Unknown time zone "${name}"`, [
        { pointer: "/timezone", message: `"${name}" is not an IANA time zone` },
      ]);
    }
    entry = { zone, startOffsets: new Map(), utcDays: new Map() };
    zones.set(name, entry);
  }
  if (entry.utcDays.size > MAX_CACHED_DAYS) {
    entry.utcDays.clear();
    entry.startOffsets.clear();
  }
  return entry;
}

function offsetMsAt(zone: IANAZone, at: number): number {
  return Math.round(zone.offset(at) * 60_000);
}

function offsetAtUtcDayStart(entry: ZoneOffsets, utcDay: number): number {
  let offset = entry.startOffsets.get(utcDay);
  if (offset === undefined) {
    offset = offsetMsAt(entry.zone, utcDay * DAY_MS);
    entry.startOffsets.set(utcDay, offset);
  }
  return offset;
}

/**
 * The segments of one UTC day. Assumes a zone changes offset at most once in 24 hours,
 * which holds for every rule in the tz database since zones adopted standard time.
 */
function utcDaySegments(entry: ZoneOffsets, utcDay: number): OffsetSegment[] {
  let segments = entry.utcDays.get(utcDay);
  if (segments) return segments;
  const from = utcDay * DAY_MS;
  const before = offsetAtUtcDayStart(entry, utcDay);
  const after = offsetAtUtcDayStart(entry, utcDay + 1);
  segments = [{ from, offsetMs: before }];
  if (before !== after) {
    // Offsets change on whole seconds: bisect to the first second with the new offset.
    let lo = from;
    let hi = from + DAY_MS;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetMsAt(entry.zone, mid) === before) lo = mid;
      else hi = mid;
    }
    if (hi < from + DAY_MS) segments.push({ from: hi, offsetMs: offsetMsAt(entry.zone, hi) });
  }
  entry.utcDays.set(utcDay, segments);
  return segments;
}

/** Offset segments covering every instant of UTC days `firstUtcDay`…`lastUtcDay`. */
export function offsetSegments(
  zoneName: string,
  firstUtcDay: number,
  lastUtcDay: number,
): OffsetSegment[] {
  const entry = zoneOffsets(zoneName);
  const out: OffsetSegment[] = [];
  for (let day = firstUtcDay; day <= lastUtcDay; day++) {
    for (const segment of utcDaySegments(entry, day)) {
      const last = out[out.length - 1];
      if (!last || last.offsetMs !== segment.offsetMs) out.push(segment);
    }
  }
  return out;
}

/** The zone's offset at one instant. */
export function offsetAt(zoneName: string, at: number): number {
  const segments = utcDaySegments(zoneOffsets(zoneName), Math.floor(at / DAY_MS));
  const second = segments[1];
  return second && at >= second.from ? second.offsetMs : segments[0]!.offsetMs;
}

/** Forget everything learned about zones (benchmarks use it to measure a cold start). */
export function clearZoneCache(): void {
  zones.clear();
}
