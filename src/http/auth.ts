/**
 * Authentication at the doors: bearer tokens become typed callers. A surface
 * authenticates once per request (`authenticate`); each route then asks for the kinds of
 * caller it serves (`callerOf(req, ["agent"])`) and hands that typed caller to the use
 * case. The caller is kept beside the request, not on a widened request type.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { hashAgentKey, type Store } from "../arbiter/index.js";
import {
  ADMIN,
  type AgentSeenRecorder,
  agentCaller,
  type Caller,
  type CallerKind,
} from "../booking/index.js";
import { AuthRequiredError, ForbiddenError } from "../errors.js";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Bearer token from an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m?.[1];
}

/** True when `candidate` is the admin token; compared in constant time over digests. */
export function isAdminToken(adminToken: string, candidate: string | undefined): boolean {
  if (candidate === undefined) return false;
  return timingSafeEqual(digest(adminToken), digest(candidate));
}

/** `/admin/v1`: 401 without a token, 403 with a wrong one. */
export function requireAdmin(adminToken: string): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      next(new AuthRequiredError("Admin token required: Authorization: Bearer <ADMIN_TOKEN>"));
      return;
    }
    if (!isAdminToken(adminToken, token)) {
      next(new ForbiddenError("Admin token is not valid"));
      return;
    }
    callers.set(req, ADMIN);
    next();
  };
}

const callers = new WeakMap<Request, Caller>();

/**
 * `/v1` authentication: an agent key (`Authorization: Bearer cal_agent_…`), or the admin
 * token. An unknown key is a 401, like a missing one.
 */
export function authenticateAgentOrAdmin(deps: {
  store: Store;
  adminToken: string;
  /** Told of every authenticated agent request (the arbitration window asks). */
  agentSeen?: AgentSeenRecorder;
}): RequestHandler {
  return async (req, _res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined)
        throw new AuthRequiredError("Agent key required: Authorization: Bearer <key>");
      if (isAdminToken(deps.adminToken, token)) {
        callers.set(req, ADMIN);
      } else {
        const agent = await deps.store.findAgentByKeyHash(hashAgentKey(token));
        if (!agent) throw new AuthRequiredError("Agent key is not valid", "invalid_api_key");
        deps.agentSeen?.record(agent);
        callers.set(req, agentCaller(agent));
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

const FOR_KINDS: Record<CallerKind, string> = {
  agent: "agents: use an agent key",
  admin: "the administrator",
  peer: "other nodes",
  anonymous: "anyone",
  person: "the person, signed in",
};

/** The request's caller, if it is one of `kinds`; otherwise a 403 saying who may call. */
export function callerOf<K extends CallerKind>(
  req: Request,
  kinds: readonly K[],
): Extract<Caller, { kind: K }> {
  const caller = callers.get(req);
  if (caller === undefined) throw new AuthRequiredError();
  if (!(kinds as readonly CallerKind[]).includes(caller.kind))
    throw new ForbiddenError(`This endpoint is for ${kinds.map((k) => FOR_KINDS[k]).join(" or ")}`);
  return caller as Extract<Caller, { kind: K }>;
}
