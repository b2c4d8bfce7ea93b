import { Router } from "express";
import { ADMIN } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { createMention } from "../../people/index.js";
import type { MentionCreateRequest } from "../api-types.gen.js";
import { mentionJson } from "../v1/people-format.js";
import { validateBody } from "../validate.js";

/** The admin writes a mention for a user (the inbox is the person's own way; this serves the CLI and tests). */
export function adminMentionsRouter(ctx: Context): Router {
  const router = Router();
  router.post("/admin/v1/users/:username/mentions", async (req, res) => {
    const body = validateBody<MentionCreateRequest>("mention-create-request", req.body);
    const mention = await createMention(ctx.people, ADMIN, {
      username: req.params.username as string,
      agentId: body.agent_id,
      text: body.text,
    });
    res.status(201).json(mentionJson(mention));
  });
  return router;
}
