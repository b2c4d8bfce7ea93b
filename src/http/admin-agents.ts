import { type Request, Router } from "express";
import { type Agent, ID_RE, newAgentKey, newId } from "../arbiter/index.js";
import type { Context } from "../context.js";
import { InvalidRequestError, NotFoundError } from "../errors.js";
import { checkUserRulesSemantics, USERNAME_RE, validateUserRules } from "../profile/index.js";
import { validateBody } from "./request-schemas.js";
import { agentJson } from "./v1/format.js";

async function existingUser(ctx: Context, req: Request): Promise<string> {
  const username = req.params.username as string;
  if (!USERNAME_RE.test(username) || !(await ctx.store.getUser(username)))
    throw new NotFoundError(`No user "${username}"`, "unknown_user");
  return username;
}

async function existingAgent(ctx: Context, username: string, id: string): Promise<Agent> {
  const agent = ID_RE.test(id) ? await ctx.store.getAgent(username, id) : null;
  if (!agent) throw new NotFoundError(`No agent ${id} for ${username}`, "agent_not_found");
  return agent;
}

/** Agents and node-level rules of a user. Mounted behind the admin token. */
export function adminAgentsRouter(ctx: Context): Router {
  const router = Router();

  router.post("/admin/v1/users/:username/agents", async (req, res) => {
    const username = await existingUser(ctx, req);
    const body = validateBody<{ name: string; priority: number; scopes?: string[]; did?: string }>(
      "agent-create-request",
      req.body,
    );
    const { key, keyHash } = newAgentKey();
    const agent: Agent = {
      id: newId("agt"),
      username,
      name: body.name,
      priority: body.priority,
      scopes: body.scopes ?? ["availability", "holds", "bookings", "audit", "webhooks"],
      ...(body.did !== undefined && { did: body.did }),
      createdAt: await ctx.store.now(),
    };
    await ctx.store.createAgent(agent, keyHash, "admin");
    ctx.logger.info({ username, agentId: agent.id, priority: agent.priority }, "agent created");
    // The key is shown this once; the node keeps only its hash.
    res.status(201).json({ ...agentJson(agent), api_key: key });
  });

  router.get("/admin/v1/users/:username/agents", async (req, res) => {
    const username = await existingUser(ctx, req);
    res.json({ agents: (await ctx.store.listAgents(username)).map(agentJson) });
  });

  router.patch("/admin/v1/users/:username/agents/:agentId", async (req, res) => {
    const username = await existingUser(ctx, req);
    const body = validateBody<{ name?: string; priority?: number }>(
      "agent-update-request",
      req.body,
    );
    const agent = await existingAgent(ctx, username, req.params.agentId as string);
    const updated = { ...agent, ...body };
    await ctx.store.updateAgent(updated, "admin");
    res.json(agentJson(updated));
  });

  router.delete("/admin/v1/users/:username/agents/:agentId", async (req, res) => {
    const username = await existingUser(ctx, req);
    const agent = await existingAgent(ctx, username, req.params.agentId as string);
    await ctx.store.deleteAgent(username, agent.id, "admin");
    ctx.logger.info({ username, agentId: agent.id }, "agent revoked");
    res.status(204).end();
  });

  router.put("/admin/v1/users/:username/rules", async (req, res) => {
    const username = await existingUser(ctx, req);
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
    const username = await existingUser(ctx, req);
    res.json({ username, rules: (await ctx.store.getRules(username)) ?? {} });
  });

  return router;
}
