import type { Request, Router } from "express";
import { ID_RE } from "../../arbiter/index.js";
import type { Context } from "../../context.js";
import { ForbiddenError, InvalidRequestError, NotFoundError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";
import { USERNAME_RE } from "../../profile/index.js";
import {
  type Delivery,
  type DeliveryStatus,
  EVENT_CATALOGUE,
  type Subscriber,
  type Subscription,
} from "../../webhooks/index.js";
import type { WebhookCreateRequest } from "../api-types.gen.js";
import { callerOf } from "../auth.js";
import { validateBody } from "../validate.js";
import { intParam } from "./params.js";

const DELIVERY_STATUSES: DeliveryStatus[] = ["pending", "succeeded", "dead_lettered"];
const MAX_PAGE = 100;

export function subscriptionJson(sub: Subscription) {
  return {
    id: sub.id,
    url: sub.url,
    events: sub.events,
    status: sub.status,
    ...(sub.disabledReason !== undefined && { disabled_reason: sub.disabledReason }),
    user_id: sub.username,
    agent_id: sub.agentId,
    created_at: isoUtc(sub.createdAt),
  };
}

function deliveryJson(d: Delivery) {
  const last = d.attempts.at(-1);
  return {
    event_id: d.eventId,
    type: d.type,
    seq: d.seq,
    status: d.status,
    attempt_count: d.attempts.length,
    attempts: d.attempts.map((a) => ({
      at: isoUtc(a.at),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
    })),
    last_status_code: last?.statusCode ?? null,
    last_error: d.deadLetterReason ?? last?.error ?? null,
    next_attempt_at: d.nextAttemptAt === null ? null : isoUtc(d.nextAttemptAt),
    created_at: isoUtc(d.createdAt),
  };
}

/**
 * Who is asking: an agent (with the "webhooks" scope) for itself, or the admin for the
 * user named by `user_id`.
 */
async function subscriberOf(ctx: Context, req: Request, userId: unknown): Promise<Subscriber> {
  const caller = callerOf(req, ["agent", "admin"]);
  if (caller.kind === "admin") {
    if (typeof userId !== "string" || !USERNAME_RE.test(userId))
      throw new InvalidRequestError("user_id is required for the admin", [
        { pointer: "/user_id", message: "is required" },
      ]);
    if (!(await ctx.store.getUser(userId)))
      throw new NotFoundError(`No user "${userId}"`, "unknown_user");
    return { username: userId, agentId: null };
  }
  const { agent } = caller;
  if (!agent.scopes.includes("webhooks"))
    throw new ForbiddenError("This agent lacks the webhooks scope", "missing_scope");
  if (userId !== undefined && userId !== agent.username)
    throw new ForbiddenError("An agent subscribes only to its own user's events");
  return { username: agent.username, agentId: agent.id };
}

async function subscriptionOf(ctx: Context, req: Request): Promise<Subscription> {
  const id = req.params.id as string;
  let sub: Subscription | null = null;
  if (ID_RE.test(id) && id.startsWith("whk_")) {
    const who =
      callerOf(req, ["agent", "admin"]).kind === "admin"
        ? { username: null, agentId: null }
        : await subscriberOf(ctx, req, undefined);
    sub = await ctx.webhooks.find(id, who);
  }
  if (!sub) throw new NotFoundError(`No webhook ${id}`, "webhook_not_found");
  return sub;
}

/** Subscriptions (`/v1/webhooks`), their deliveries, and the event catalogue. */
export function webhooksRoutes(router: Router, ctx: Context): void {
  router.get("/v1/webhooks/events", (_req, res) => {
    res.json({ events: EVENT_CATALOGUE.map((e) => ({ ...e })) });
  });

  router.post("/v1/webhooks", async (req, res) => {
    const body = validateBody<WebhookCreateRequest>("webhook-create-request", req.body);
    const who = await subscriberOf(ctx, req, body.user_id);
    const { subscription, secret } = await ctx.webhooks.subscribe(who, body);
    ctx.logger.info(
      { username: who.username, subscription: subscription.id, agentId: who.agentId },
      "webhook subscription created",
    );
    // The secret is shown this once.
    res.status(201).json({ ...subscriptionJson(subscription), secret });
  });

  router.get("/v1/webhooks", async (req, res) => {
    const who = await subscriberOf(ctx, req, req.query.user_id);
    res.json({ webhooks: (await ctx.webhooks.list(who)).map(subscriptionJson) });
  });

  router.get("/v1/webhooks/:id", async (req, res) => {
    res.json(subscriptionJson(await subscriptionOf(ctx, req)));
  });

  router.delete("/v1/webhooks/:id", async (req, res) => {
    const sub = await subscriptionOf(ctx, req);
    await ctx.webhooks.remove(sub);
    ctx.logger.info({ username: sub.username, subscription: sub.id }, "webhook deleted");
    res.status(204).end();
  });

  router.post("/v1/webhooks/:id/rotate", async (req, res) => {
    const sub = await subscriptionOf(ctx, req);
    const { subscription, secret, previousExpiresAt } = await ctx.webhooks.rotate(sub);
    res.json({
      ...subscriptionJson(subscription),
      secret,
      previous_secret_expires_at: isoUtc(previousExpiresAt),
    });
  });

  router.get("/v1/webhooks/:id/deliveries", async (req, res) => {
    const sub = await subscriptionOf(ctx, req);
    const limit = intParam(req.query.limit, "limit", 1, MAX_PAGE, 50);
    let beforeSeq =
      req.query.before === undefined
        ? undefined
        : intParam(req.query.before, "before", 1, Number.MAX_SAFE_INTEGER, 0);
    const status = req.query.status;
    if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus))
      throw new InvalidRequestError(`status must be one of ${DELIVERY_STATUSES.join(", ")}`, [
        { pointer: "/status", message: `must be one of ${DELIVERY_STATUSES.join(", ")}` },
      ]);
    const found: Delivery[] = [];
    // With a status filter, pages are read until enough match (the log is bounded).
    for (;;) {
      const page = await ctx.webhooks.deliveries(sub, { beforeSeq, limit: MAX_PAGE });
      for (const d of page.deliveries) {
        if (status !== undefined && d.status !== status) continue;
        found.push(d);
        if (found.length === limit) break;
      }
      beforeSeq = page.nextBeforeSeq;
      if (found.length === limit || beforeSeq === undefined) break;
    }
    const last = found.at(-1);
    res.json({
      deliveries: found.map(deliveryJson),
      next_before: found.length === limit && last ? last.seq : null,
    });
  });
}
