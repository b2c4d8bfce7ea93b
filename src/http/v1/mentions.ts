import type { Router } from "express";
import type { Context } from "../../context.js";
import { InvalidRequestError } from "../../errors.js";
import {
  createSuggestion,
  listMentions,
  listSuggestions,
  type MentionStatus,
  markMentionsDone,
  type SuggestionStatus,
} from "../../people/index.js";
import type { MentionUpdateRequest, SuggestionRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { validateBody } from "../validate.js";
import { mentionJson, suggestionJson } from "./people-format.js";
import { parseInterval } from "./times.js";

function statusParam<S extends string>(raw: unknown, allowed: readonly S[]): S | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw))
    throw new InvalidRequestError(`status must be one of ${allowed.join(", ")}`, [
      { pointer: "/status", message: `must be one of ${allowed.join(", ")}` },
    ]);
  return raw as S;
}

/** The agent's side of the person's requests: mentions to read and mark done, suggestions to make. */
export function mentionsRoutes(router: Router, ctx: Context): void {
  router.get("/v1/mentions", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const status = statusParam<MentionStatus>(req.query.status, ["sent", "done"]);
    const mentions = await listMentions(ctx.people, caller, { status });
    res.json({ mentions: mentions.map(mentionJson) });
  });

  router.patch("/v1/mentions", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<MentionUpdateRequest>("mention-update-request", req.body);
    const mentions = await markMentionsDone(ctx.people, caller, { mentionIds: body.mention_ids });
    res.json({ mentions: mentions.map(mentionJson) });
  });

  router.post("/v1/suggestions", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const body = validateBody<SuggestionRequest>("suggestion-request", req.body);
    const slots = body.slots.map((s, i) => parseInterval(s.start, s.end, `/slots/${i}`));
    const suggestion = await createSuggestion(ctx.people, caller, {
      slots,
      ...(body.mention_id !== undefined && { mentionId: body.mention_id }),
      ...(body.note !== undefined && { note: body.note }),
      ...(body.with !== undefined && { with: body.with }),
    });
    res.status(201).json(suggestionJson(suggestion));
  });

  router.get("/v1/suggestions", async (req, res) => {
    const caller = callerOf(req, ["agent"]);
    const status = statusParam<SuggestionStatus>(req.query.status, [
      "open",
      "accepting",
      "accepted",
      "rejected",
    ]);
    const suggestions = await listSuggestions(ctx.people, caller, { status });
    res.json({ suggestions: suggestions.map(suggestionJson) });
  });
}
