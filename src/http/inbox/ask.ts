/**
 * Ask an agent (a mention): the form — one of the person's agents, a text field, Send —
 * and the person's sent mentions with their status. `createMention` as the person.
 */
import { Router } from "express";
import type { Agent } from "../../arbiter/index.js";
import type { PersonCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import { createMention, listPersonMentions, MAX_MENTION_TEXT } from "../../people/index.js";
import { instant } from "./format.js";
import { type Html, html } from "./html.js";
import { personOf } from "./session.js";

/** How many of the latest mentions the page shows. */
const SHOWN = 20;

export async function askSection(
  ctx: Context,
  person: PersonCaller,
  agents: Agent[],
  zone: string,
): Promise<Html> {
  const mentions = await listPersonMentions(ctx.people, person, { limit: SHOWN });
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const form =
    agents.length === 0
      ? html`<p>You have no agents to ask.</p>`
      : html`<form method="post" action="/inbox/mentions" class="card ask">
  <label for="ask-agent">Agent</label>
  <select id="ask-agent" name="agent_id">
    ${agents.map((a) => html`<option value="${a.id}">${a.name}</option>`)}
  </select>
  <label for="ask-text">What should it do?</label>
  <input type="text" id="ask-text" name="text" required maxlength="${MAX_MENTION_TEXT}" placeholder="Find 30 minutes with ana@globex.example next week">
  <button type="submit" class="primary">Send</button>
</form>`;
  const sent =
    mentions.length === 0
      ? html`<p id="no-mentions">You have not asked anything yet.</p>`
      : html`<ul class="mentions" aria-label="What you asked">${mentions.map(
          (m) => html`<li class="card" data-mention-id="${m.id}" data-status="${m.status}">
  <p class="mention-text">${m.text}</p>
  <p>To ${names.get(m.agentId) ?? "a revoked agent"} · ${instant(m.createdAt, zone)} · <span class="status status-${m.status}">${m.status}</span></p>
</li>`,
        )}</ul>`;
  return html`<section aria-labelledby="ask-h">
<h2 id="ask-h">Ask an agent</h2>
${form}
<h3>What you asked</h3>
${sent}
</section>`;
}

export function askRouter(ctx: Context): Router {
  const router = Router();
  router.post("/inbox/mentions", async (req, res) => {
    const person = personOf(req);
    const body = (req.body ?? {}) as { agent_id?: unknown; text?: unknown };
    if (typeof body.agent_id !== "string" || typeof body.text !== "string")
      throw new InvalidRequestError("Choose an agent and write what it should do", [
        { pointer: "/text", message: "required" },
      ]);
    await createMention(ctx.people, person, { agentId: body.agent_id, text: body.text });
    res.redirect(303, "/inbox/agents?done=asked");
  });
  return router;
}
