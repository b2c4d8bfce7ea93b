/**
 * Authentication at the doors: bearer tokens become typed callers. A surface
 * authenticates once per request (`authenticate`); each route then asks for the kinds of
 * caller it serves (`callerOf(req, ["agent"])`) and hands that typed caller to the use
 * case. The caller is kept beside the request, not on a widened request type.
 */
import { timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { type Store, tokenDigest } from "../arbiter/index.js";
import {
  ADMIN,
  type AgentSeenRecorder,
  agentCaller,
  type Caller,
  type CallerKind,
} from "../booking/index.js";
import { AuthRequiredError, ForbiddenError } from "../errors.js";

/** The admin token's digest, computed once per token rather than once per request. */
let adminDigest: { token: string; digest: Buffer } | undefined;
function digestOfAdmin(adminToken: string): Buffer {
  if (adminDigest?.token !== adminToken)
    adminDigest = { token: adminToken, digest: tokenDigest(adminToken) };
  return adminDigest.digest;
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
  return timingSafeEqual(digestOfAdmin(adminToken), tokenDigest(candidate));
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
      // One SHA-256 of the token serves both: the admin comparison and the agent key's hash.
      const digest = tokenDigest(token);
      if (timingSafeEqual(digestOfAdmin(deps.adminToken), digest)) {
        callers.set(req, ADMIN);
      } else {
        const agent = await deps.store.findAgentByKeyHash(digest.toString("hex"));
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
