/** Times and names as the person reads them. */
import { DateTime } from "luxon";

/** `Tue 3 Dec 15:00–15:30` in `zone` (the end's date too when it is another day). */
export function timeRange(start: number, end: number, zone: string): string {
  const s = DateTime.fromMillis(start, { zone });
  const e = DateTime.fromMillis(end, { zone });
  const sameDay = s.toISODate() === e.toISODate();
  return `${s.toFormat("ccc d LLL HH:mm")}–${e.toFormat(sameDay ? "HH:mm" : "ccc d LLL HH:mm")}`;
}

/** `Tue 3 Dec 2026 15:00 (Europe/Paris)` */
export function instant(ms: number, zone: string): string {
  return `${DateTime.fromMillis(ms, { zone }).toFormat("ccc d LLL yyyy HH:mm")} (${zone})`;
}

/** The zone's abbreviation or offset at that instant, e.g. `CET`, `GMT-5`. */
export function zoneLabel(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("ZZZZ");
}

export interface Names {
  /** The calendar's owner as others see them: the profile's display name. */
  displayName: string;
  /** Agents by id, revoked ones included (their names from the log). */
  agents: Map<string, { name: string }>;
}

/** Who did something, from an audit actor or a booking's agent id, in plain words. */
export function actorName(actor: string, names: Names, requester?: string): string {
  if (actor.startsWith("person:")) return "You";
  if (actor === "admin") return "The administrator";
  const agent = names.agents.get(actor);
  if (agent) return agent.name;
  if (actor.startsWith("agt_")) return "A revoked agent";
  if (requester) return requester;
  if (actor.startsWith("anonymous:")) return actor.slice("anonymous:".length);
  if (actor.startsWith("peer:")) return actor.slice("peer:".length);
  return actor;
}

/** How long ago, in plain words: `just now`, `12 s ago`, `3 min ago`, `2 h ago`. */
export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 2) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** `Tue 3 Dec 14:00–14:30 UTC`: the same slot in UTC. */
export function utcRange(start: number, end: number): string {
  return `${timeRange(start, end, "UTC")} UTC`;
}
