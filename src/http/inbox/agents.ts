/** Agents: the person's agents by rank (1 wins races), with Move up, Move down and Revoke. */
import { type Request, type Response, Router } from "express";
import type { Agent } from "../../arbiter/index.js";
import { moveAgent, rankedAgents, revokeAgent } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { type Html, html } from "./html.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";

function agentRow(agent: Agent, rank: number, count: number): Html {
  const form = (action: string, label: string, name: string, disabled: boolean) =>
    html`<form method="post" action="/inbox/agents/${agent.id}/${action}">
      <button type="submit" aria-label="${label} ${name}"${disabled ? html` disabled` : ""}>${label}</button>
    </form>`;
  return html`<li class="card" data-agent-id="${agent.id}">
  <h3><span class="rank">${rank}.</span> ${agent.name}</h3>
  <p>Priority ${agent.priority}${agent.did ? html` · speaks for <code>${agent.did}</code>` : ""}</p>
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
};

export function agentsRouter(ctx: Context): Router {
  const router = Router();

  router.get("/inbox/agents", async (req, res) => {
    const person = personOf(req);
    const agents = await rankedAgents(ctx.booking, person.username);
    const notice = NOTICES[String(req.query.done)];
    await renderPage(res, ctx, person, {
      title: "Agents",
      current: "/inbox/agents",
      live: true,
      body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<p>When two of your agents want the same time, the higher one wins.</p>
${
  agents.length > 0
    ? html`<ol class="agents" aria-label="Your agents by rank">${agents.map((a, i) => agentRow(a, i + 1, agents.length))}</ol>`
    : html`<p>You have no agents.</p>`
}`,
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
