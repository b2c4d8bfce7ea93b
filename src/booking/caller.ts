/**
 * Who is asking. Doors authenticate and build the caller; use cases take the kinds they
 * serve and decide with it. Nothing reads a request-global caller.
 */
import type { Agent } from "../arbiter/index.js";

/** A local agent, by its API key: it acts for its one user. */
export interface AgentCaller {
  kind: "agent";
  agent: Agent;
}

/** Another node's requester, its DID and address verified (federation). */
export interface PeerCaller {
  kind: "peer";
  did: string;
  address: string;
  /** Hosts a callback URL of this requester may name: its domain, and where discovery led. */
  callbackHosts: string[];
}

/** Someone who did not sign their request; heard only where the profile allows it. */
export interface AnonymousCaller {
  kind: "anonymous";
  /** The address they gave, unverified. */
  address: string;
}

/** The person whose calendar it is, signed in to their inbox. */
export interface PersonCaller {
  kind: "person";
  username: string;
}

/** The organization's administrator. */
export interface AdminCaller {
  kind: "admin";
}

export type Caller = AgentCaller | PeerCaller | AnonymousCaller | PersonCaller | AdminCaller;
export type CallerKind = Caller["kind"];

export const ADMIN: AdminCaller = { kind: "admin" };

export function agentCaller(agent: Agent): AgentCaller {
  return { kind: "agent", agent };
}

/** The audit log's actor for a change the caller makes. */
export function actorOf(caller: Caller): string {
  switch (caller.kind) {
    case "agent":
      return caller.agent.id;
    case "peer":
      return caller.did;
    case "anonymous":
      return `anonymous:${caller.address}`;
    case "person":
      return `person:${caller.username}`;
    case "admin":
      return "admin";
  }
}
