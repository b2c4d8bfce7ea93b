/**
 * What a schema cannot say about a profile: the zone exists, hours run forward and do not
 * overlap, spans do not end before they start, no date is listed twice. Expects a profile
 * that passed the schema; anything malformed it meets is skipped, never thrown on.
 */
import { IANAZone } from "luxon";
import type { ProfileIssue } from "./schema.js";
import type { CalendarioProfile, SchedulingBlock, UserRules } from "./types.gen.js";

export interface HoursRange {
  /** Minutes after local midnight, 0–1439. */
  startMinute: number;
  /** Minutes after local midnight, 1–1440 (24:00 is 1440); may be ≤ start in invalid input. */
  endMinute: number;
}

const HOURS_RE = /^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** Parses "09:00-17:30"; throws a RangeError for anything not shaped HH:MM-HH:MM. */
export function parseHoursRange(text: string): HoursRange {
  const m = HOURS_RE.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an HH:MM-HH:MM range`);
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = m[3] === undefined ? 24 * 60 : Number(m[3]) * 60 + Number(m[4]);
  return { startMinute, endMinute };
}

function tryParseHours(text: unknown): HoursRange | undefined {
  return typeof text === "string" && HOURS_RE.test(text) ? parseHoursRange(text) : undefined;
}

/** End after start for each range, and no two ranges of the list overlapping. */
export function checkHoursList(hours: readonly string[], pointer: string): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  const ranges: { index: number; range: HoursRange }[] = [];
  hours.forEach((text, index) => {
    const range = tryParseHours(text);
    if (!range) return;
    if (range.endMinute <= range.startMinute) {
      issues.push({
        pointer: `${pointer}/${index}`,
        message: `"${text}" must end after it starts`,
        keyword: "hoursOrder",
      });
      return;
    }
    ranges.push({ index, range });
  });
  ranges.sort((a, b) => a.range.startMinute - b.range.startMinute || a.index - b.index);
  let reach: { index: number; range: HoursRange } | undefined;
  for (const current of ranges) {
    if (reach && current.range.startMinute < reach.range.endMinute) {
      issues.push({
        pointer: `${pointer}/${current.index}`,
        message: `"${hours[current.index]}" overlaps "${hours[reach.index]}" (${pointer}/${reach.index})`,
        keyword: "hoursOverlap",
      });
    }
    if (!reach || current.range.endMinute > reach.range.endMinute) reach = current;
  }
  return issues.sort((a, b) => a.pointer.localeCompare(b.pointer, "en", { numeric: true }));
}

function isDate(value: unknown): value is string {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** Whether date `a` falls before date `b`; YYYY-MM-DD strings sort as they fall in time. */
function isBefore(a: unknown, b: unknown): boolean {
  return isDate(a) && isDate(b) && a < b;
}

function checkDuplicateDates(values: readonly unknown[], pointer: string): ProfileIssue[] {
  const first = new Map<string, number>();
  const issues: ProfileIssue[] = [];
  values.forEach((value, index) => {
    if (!isDate(value)) return;
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, index);
    else
      issues.push({
        pointer: `${pointer}/${index}`,
        message: `${value} is already listed at ${pointer}/${earlier}`,
        keyword: "duplicate",
      });
  });
  return issues;
}

function checkBlock(block: SchedulingBlock, pointer: string): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  if (Array.isArray(block.hours)) issues.push(...checkHoursList(block.hours, `${pointer}/hours`));
  if (block.type === "date" && Array.isArray(block.dates))
    issues.push(...checkDuplicateDates(block.dates, `${pointer}/dates`));
  if (block.type === "range") {
    if (isBefore(block.end, block.start))
      issues.push({
        pointer: `${pointer}/end`,
        message: `end ${block.end} is before start ${block.start}`,
        keyword: "dateOrder",
      });
    if (isBefore(block.expires, block.start))
      issues.push({
        pointer: `${pointer}/expires`,
        message: `expires ${block.expires} is before start ${block.start}: the block never applies`,
        keyword: "dateOrder",
      });
  }
  return issues;
}

function checkBlackouts(blackouts: readonly unknown[]): ProfileIssue[] {
  const issues = checkDuplicateDates(blackouts, "/blackouts");
  blackouts.forEach((item, index) => {
    if (typeof item !== "object" || item === null) return;
    const { start, end } = item as { start?: unknown; end?: unknown };
    if (isBefore(end, start))
      issues.push({
        pointer: `/blackouts/${index}/end`,
        message: `end ${String(end)} is before start ${String(start)}`,
        keyword: "dateOrder",
      });
  });
  return issues;
}

/**
 * Zone names already checked: luxon builds an Intl.DateTimeFormat per check (~0.3 ms), and
 * an organization's profiles name a few zones many times. Bounded by the zones that exist
 * (invalid names are not kept).
 */
const knownZones = new Set<string>();

function isIanaZone(name: string): boolean {
  if (knownZones.has(name)) return true;
  if (!IANAZone.isValidZone(name)) return false;
  knownZones.add(name);
  return true;
}

/** Every semantic issue of a schema-valid profile, in document order of the members checked. */
export function checkProfileSemantics(profile: CalendarioProfile): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  if (typeof profile.timezone === "string" && !isIanaZone(profile.timezone))
    issues.push({
      pointer: "/timezone",
      message: `"${profile.timezone}" is not an IANA time zone`,
      keyword: "timezone",
    });
  if (Array.isArray(profile.blackouts)) issues.push(...checkBlackouts(profile.blackouts));
  if (Array.isArray(profile.scheduling))
    profile.scheduling.forEach((block, index) => {
      if (typeof block === "object" && block !== null)
        issues.push(...checkBlock(block, `/scheduling/${index}`));
    });
  return issues;
}

/** Semantic issues of schema-valid user rules: the focus blocks' hours. */
export function checkUserRulesSemantics(rules: UserRules): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  rules.focus_blocks?.forEach((block, index) => {
    if (Array.isArray(block.hours))
      issues.push(...checkHoursList(block.hours, `/focus_blocks/${index}/hours`));
  });
  return issues;
}
