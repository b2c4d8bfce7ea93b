/**
 * Agents: the person's agents by rank (1 wins races), each with its live presence, Move
 * up, Move down and Revoke; below, Ask an agent (mentions) and the agents' suggestions.
 */
import { type Request, type Response, Router } from "express";
import type { Agent } from "../../arbiter/index.js";
import { loadCalendar, moveAgent, rankedAgents, revokeAgent } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { listPresence, type PresenceView } from "../../people/index.js";
import { askSection } from "./ask.js";
import { ago } from "./format.js";
import { type Html, html } from "./html.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";
import { suggestionsSection } from "./suggestions.js";

/** What the agent says it is doing, or nothing once its presence has faded. */
function presenceLine(p: PresenceView | undefined, now: number): Html | string {
  if (!p) return "";
  return html`<p class="presence presence-${p.status}" data-presence="${p.status}"><span class="presence-status">${p.status}</span>${
    p.note !== undefined ? html` — <span class="presence-note">${p.note}</span>` : ""
  } <span class="presence-at">(${ago(p.at, now)})</span></p>`;
}

function agentRow(agent: Agent, rank: number, count: number, presence: Html | string): Html {
  const form = (action: string, label: string, name: string, disabled: boolean) =>
    html`<form method="post" action="/inbox/agents/${agent.id}/${action}">
      <button type="submit" aria-label="${label} ${name}"${disabled ? html` disabled` : ""}>${label}</button>
    </form>`;
  return html`<li class="card" data-agent-id="${agent.id}">
  <h3><span class="rank">${rank}.</span> ${agent.name}</h3>
  <p>Priority ${agent.priority}${agent.did ? html` · speaks for <code>${agent.did}</code>` : ""}</p>
  ${presence}
  <div class="actions">
    ${form("up", "Move up", agent.name, rank === 1)}
    ${form("down", "Move down", agent.name, rank === count)}
    ${form("revoke", "Revoke", agent.name, false)}
  </div>
</li>`;
}

const NOTICES: Record<string, string> = {
  moved: "The ranking is saved: it decides the next race.",
  revoked: "Revoked: the agent's key no longer works.",
  asked: "Sent: the agent is told.",
  "suggestion-accepted": "Accepted: the time is booked and the agent is told.",
  "suggestion-rejected": "Rejected: the agent is told.",
};

export function agentsRouter(ctx: Context): Router {
  const router = Router();

  router.get("/inbox/agents", async (req, res) => {
    const person = personOf(req);
    const [agents, view, live] = await Promise.all([
      rankedAgents(ctx.booking, person.username),
      loadCalendar(ctx.store, person.username),
      listPresence(ctx.people, person),
    ]);
    const zone = view.profile.timezone;
    const presence = new Map(live.presence.map((p) => [p.agentId, p]));
    const [ask, suggestions] = await Promise.all([
      askSection(ctx, person, agents, zone),
      suggestionsSection(ctx, person, agents, zone),
    ]);
    const notice = NOTICES[String(req.query.done)];
    await renderPage(res, ctx, person, {
      title: "Agents",
      current: "/inbox/agents",
      live: true,
      livePresence: true,
      body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<p>When two of your agents want the same time, the higher one wins.</p>
${
  agents.length > 0
    ? html`<ol class="agents" aria-label="Your agents by rank">${agents.map((a, i) =>
        agentRow(a, i + 1, agents.length, presenceLine(presence.get(a.id), live.now)),
      )}</ol>`
    : html`<p>You have no agents.</p>`
}
${suggestions}
${ask}`,
    });
  });

  const move = (direction: "up" | "down") => async (req: Request, res: Response) => {
    const person = personOf(req);
    await moveAgent(ctx.booking, person, {
      username: person.username,
      agentId: req.params.id as string,
      direction,
    });
    res.redirect(303, "/inbox/agents?done=moved");
  };
  router.post("/inbox/agents/:id/up", move("up"));
  router.post("/inbox/agents/:id/down", move("down"));
  router.post("/inbox/agents/:id/revoke", async (req, res) => {
    const person = personOf(req);
    await revokeAgent(ctx.booking, person, {
      username: person.username,
      agentId: req.params.id as string,
    });
    res.redirect(303, "/inbox/agents?done=revoked");
  });

  return router;
}
