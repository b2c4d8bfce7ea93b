/**
 * Suggestions from the person's agents: each open one with its slots in the person's zone
 * and UTC, Accept (one slot, by radio button) and Reject (optional message), through
 * `acceptSuggestion` / `rejectSuggestion`; the latest decided ones with their outcome.
 * Agents write notes and `with` addresses: everything is escaped by the template.
 */
import { Router } from "express";
import type { Agent } from "../../arbiter/index.js";
import type { PersonCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import {
  type AcceptSuggestionResult,
  acceptSuggestion,
  listPersonMentions,
  listSuggestions,
  rejectSuggestion,
  type Suggestion,
} from "../../people/index.js";
import { instant, timeRange, utcRange, zoneLabel } from "./format.js";
import { type Html, html } from "./html.js";
import { messageForm, messageOf } from "./message-form.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";

/** How many decided suggestions the page still shows. */
const DECIDED_SHOWN = 10;

function slotText(slot: { start: number; end: number }, zone: string): string {
  return `${timeRange(slot.start, slot.end, zone)} ${zoneLabel(slot.start, zone)} (${utcRange(slot.start, slot.end)})`;
}

function details(s: Suggestion, agentName: string, zone: string, askedFor?: string): Html {
  return html`<dl>
    <dt>From</dt><dd>${agentName}</dd>
    ${askedFor !== undefined ? html`<dt>You asked</dt><dd>${askedFor}</dd>` : ""}
    ${s.note !== undefined ? html`<dt>Note</dt><dd class="suggestion-note">${s.note}</dd>` : ""}
    ${s.with !== undefined ? html`<dt>With</dt><dd>${s.with}</dd>` : ""}
    <dt>Suggested</dt><dd>${instant(s.createdAt, zone)}</dd>
  </dl>`;
}

function openCard(s: Suggestion, agentName: string, zone: string, askedFor?: string): Html {
  const id = s.id;
  const accepting = s.status === "accepting";
  return html`<article class="card suggestion" id="${id}" data-suggestion-id="${id}" data-status="${s.status}" aria-labelledby="st-${id}">
  <h3 id="st-${id}">Suggestion from ${agentName}</h3>
  ${details(s, agentName, zone, askedFor)}
  ${
    accepting
      ? html`<p role="status">Being booked…</p>`
      : html`<div class="actions">
    <form method="post" action="/inbox/suggestions/${id}/accept">
      <fieldset>
        <legend>Choose a time (your zone, ${zone})</legend>
        ${s.slots.map(
          (slot, i) =>
            html`<label class="slot"><input type="radio" name="slot" value="${i}" required${i === 0 ? html` checked` : ""}> ${slotText(slot, zone)}</label>`,
        )}
      </fieldset>
      <button type="submit" class="primary" aria-label="Accept suggestion from ${agentName}">Accept</button>
    </form>
    ${messageForm({
      action: `/inbox/suggestions/${id}/reject`,
      fieldId: `sm-${id}`,
      button: "Reject",
      buttonName: `Reject suggestion from ${agentName}`,
    })}
  </div>`
  }
</article>`;
}

function decidedItem(s: Suggestion, agentName: string, zone: string): Html {
  const slot = s.acceptedIndex !== undefined ? s.slots[s.acceptedIndex] : undefined;
  const outcome =
    s.status === "accepted"
      ? html`Accepted: booked ${slot ? slotText(slot, zone) : ""}`
      : html`Rejected${s.message !== undefined ? html`: “${s.message}”` : ""}`;
  return html`<li data-suggestion-id="${s.id}" data-status="${s.status}">${agentName}${
    s.note !== undefined ? html` — ${s.note}` : ""
  }: <span class="status status-${s.status}">${outcome}</span></li>`;
}

export async function suggestionsSection(
  ctx: Context,
  person: PersonCaller,
  agents: Agent[],
  zone: string,
): Promise<Html> {
  const [all, mentions] = await Promise.all([
    listSuggestions(ctx.people, person),
    listPersonMentions(ctx.people, person),
  ]);
  const asked = new Map(mentions.map((m) => [m.id, m.text]));
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const nameOf = (s: Suggestion) => names.get(s.agentId) ?? "A revoked agent";
  const open = all.filter((s) => s.status === "open" || s.status === "accepting");
  const decided = all
    .filter((s) => s.status === "accepted" || s.status === "rejected")
    .slice(0, DECIDED_SHOWN);
  return html`<section aria-labelledby="sug-h">
<h2 id="sug-h">Suggestions</h2>
${
  open.length > 0
    ? open.map((s) =>
        openCard(s, nameOf(s), zone, s.mentionId ? asked.get(s.mentionId) : undefined),
      )
    : html`<p id="no-suggestions">No suggestions wait for you.</p>`
}
${
  decided.length > 0
    ? html`<h3>Decided</h3><ul class="decided" aria-label="Decided suggestions">${decided.map((s) => decidedItem(s, nameOf(s), zone))}</ul>`
    : ""
}
</section>`;
}

/** Why the slot could not be booked, in words; the suggestion is open again. */
function refusal(result: Exclude<AcceptSuggestionResult, { outcome: "accepted" }>): string {
  if (result.outcome === "rule_violation")
    return `Booking it would break a rule of your calendar: ${result.message}`;
  if ("side" in result && result.side === "remote")
    return `The other side could not take that time: ${result.reason}`;
  return "That time is no longer free on your calendar.";
}

export function suggestionsRouter(ctx: Context): Router {
  const router = Router();

  router.post("/inbox/suggestions/:id/accept", async (req, res) => {
    const person = personOf(req);
    const raw = (req.body as { slot?: unknown } | undefined)?.slot;
    if (typeof raw !== "string" || !/^\d{1,2}$/.test(raw))
      throw new InvalidRequestError("Choose one of the suggested times", [
        { pointer: "/slot", message: "required: the index of a slot" },
      ]);
    const result = await acceptSuggestion(ctx.people, person, {
      suggestionId: req.params.id as string,
      slotIndex: Number(raw),
    });
    if (result.outcome === "accepted") {
      res.redirect(303, "/inbox/agents?done=suggestion-accepted");
      return;
    }
    await renderPage(
      res,
      ctx,
      person,
      {
        title: "Not booked",
        body: html`<p class="notice error" role="alert">${refusal(result)} The suggestion is open again: choose another time or reject it.</p><p><a href="/inbox/agents">Back to agents</a></p>`,
      },
      result.outcome === "rule_violation" ? 422 : 409,
    );
  });

  router.post("/inbox/suggestions/:id/reject", async (req, res) => {
    const person = personOf(req);
    const message = messageOf(req.body);
    await rejectSuggestion(ctx.people, person, {
      suggestionId: req.params.id as string,
      ...(message !== undefined && { message }),
    });
    res.redirect(303, "/inbox/agents?done=suggestion-rejected");
  });

  return router;
}
