/** An audit event in plain words: "Sales bot booked Tue 3 Dec 15:00–15:30 for Ana Lee". */
import type { AuditEvent } from "../../audit/index.js";
import { actorName, type Names, timeRange } from "./format.js";

type Data = Record<string, unknown>;

function requesterAddress(d: Data): string | undefined {
  const details = d.details as { requester?: { address?: unknown } } | null | undefined;
  const address = details?.requester?.address;
  return typeof address === "string" ? address : undefined;
}

export function describeEvent(event: AuditEvent, names: Names, zone: string): string {
  const d = event.data;
  const who = actorName(event.actor, names, requesterAddress(d));
  const owner = names.displayName;
  const when =
    typeof d.start === "number" && typeof d.end === "number" ? timeRange(d.start, d.end, zone) : "";
  const agentName = typeof d.name === "string" ? d.name : "an agent";
  switch (event.type) {
    case "booking.committed":
      return `${who} booked ${when} for ${owner}`;
    case "booking.requested":
      return `${who} asked for ${when} with ${owner}`;
    case "booking.confirmed":
      return `${who} accepted the request for ${when}`;
    case "booking.declined":
      return `${who} declined the request for ${when}${typeof d.message === "string" && d.message ? ` ("${d.message}")` : ""}`;
    case "booking.expired":
      return `The request for ${when} expired unanswered`;
    case "booking.cancelled":
      return `${who} cancelled the booking of ${when}`;
    case "booking.evicted":
      return `A booking of ${when} gave way to a higher-ranked agent`;
    case "booking.remote_updated":
      return `The other side of the meeting of ${when} changed`;
    case "hold.created":
      return `${who} held ${when}`;
    case "hold.released":
      return `${who} released a hold`;
    case "hold.invalidated":
      return "A hold gave way to a booking";
    case "counter.proposed":
      return `${who} proposed other times`;
    case "counter.accepted":
      return `${who} accepted other times`;
    case "counter.rejected":
      return `${who} rejected other times`;
    case "agent.created":
      return `${who} added the agent ${agentName}`;
    case "agent.updated":
      return `${who} set ${agentName} to priority ${String(d.priority)}`;
    case "agent.revoked":
      return `${who} revoked ${agentName}`;
    case "profile.updated":
      return `${who} updated the profile`;
    case "rules.updated":
      return `${who} updated the calendar's rules`;
    default:
      return `${who}: ${event.type}`;
  }
}
