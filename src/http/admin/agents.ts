import { Router } from "express";
import { ADMIN, createAgent, existingUser, revokeAgent, updateAgent } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import { checkUserRulesSemantics, validateUserRules } from "../../profile/index.js";
import type { AgentCreateRequest, AgentUpdateRequest } from "../api-types.gen.js";
import { agentJson } from "../v1/format.js";
import { validateBody } from "../validate.js";

/** Agents and node-level rules of a user. Mounted behind the admin token. */
export function adminAgentsRouter(ctx: Context): Router {
  const router = Router();
  const deps = ctx.booking;

  router.post("/admin/v1/users/:username/agents", async (req, res) => {
    const body = validateBody<AgentCreateRequest>("agent-create-request", req.body);
    const { agent, apiKey } = await createAgent(deps, ADMIN, {
      ...body,
      username: req.params.username as string,
    });
    ctx.logger.info(
      { username: agent.username, agentId: agent.id, priority: agent.priority },
      "agent created",
    );
    // A new agent is about to act: its juniors wait for it as for a senior seen just now
    // (PROTOCOL §10.3), so a race fired right after set-up stays exact from its first round.
    ctx.agentSeen.record(agent);
    // The key is shown this once; the node keeps only its hash.
    res.status(201).json({ ...agentJson(agent), api_key: apiKey });
  });

  router.get("/admin/v1/users/:username/agents", async (req, res) => {
    const username = await existingUser(deps, req.params.username as string);
    res.json({ agents: (await ctx.store.listAgents(username)).map(agentJson) });
  });

  router.patch("/admin/v1/users/:username/agents/:agentId", async (req, res) => {
    const body = validateBody<AgentUpdateRequest>("agent-update-request", req.body);
    const updated = await updateAgent(deps, ADMIN, {
      ...body,
      username: req.params.username as string,
      agentId: req.params.agentId as string,
    });
    // So does a re-ranked one: it may have just become someone's senior.
    if (body.priority !== undefined) ctx.agentSeen.record(updated);
    res.json(agentJson(updated));
  });

  router.delete("/admin/v1/users/:username/agents/:agentId", async (req, res) => {
    const agent = await revokeAgent(deps, ADMIN, {
      username: req.params.username as string,
      agentId: req.params.agentId as string,
    });
    ctx.logger.info({ username: agent.username, agentId: agent.id }, "agent revoked");
    res.status(204).end();
  });

  router.put("/admin/v1/users/:username/rules", async (req, res) => {
    const username = await existingUser(deps, req.params.username as string);
    const issues = validateUserRules(req.body);
    const all = issues.length > 0 ? issues : checkUserRulesSemantics(req.body);
    if (all.length > 0)
      throw new InvalidRequestError(
        "Rules are invalid",
        all.map(({ pointer, message }) => ({ pointer, message })),
        "invalid_rules",
      );
    await ctx.store.putRules(username, req.body, "admin");
    res.json({ username, rules: req.body });
  });

  router.get("/admin/v1/users/:username/rules", async (req, res) => {
    const username = await existingUser(deps, req.params.username as string);
    res.json({ username, rules: (await ctx.store.getRules(username)) ?? {} });
  });

  return router;
}
