/**
 * Turns a profile given to the node into the signed profile it serves. Signing happens
 * here, once per change; the result is serialized once and served byte for byte.
 */
import { createHash } from "node:crypto";
import type { JWK } from "jose";
import { type ErrorDetail, InvalidRequestError } from "../errors.js";
import {
  canonicalJson,
  type DidResolver,
  deriveUserKey,
  didKeySigner,
  type Signer,
} from "../identity/index.js";
import { organizationBindingProblem, signProfile, verifyProfileProofs } from "./proofs.js";
import { validateProfileInput } from "./schema.js";
import { checkProfileSemantics } from "./semantics.js";

export interface PublishDeps {
  publicUrl: string;
  orgSigner: Signer;
  custodialSigner(username: string): Promise<Signer>;
  resolver: DidResolver;
  now(): number;
}

/** Publishing's dependencies for an organization key: custodial keys derived from it. */
export function publishDepsFor(
  orgPrivateJwk: JWK,
  deps: Omit<PublishDeps, "custodialSigner">,
): PublishDeps {
  return {
    ...deps,
    custodialSigner: async (username) => didKeySigner(deriveUserKey(orgPrivateJwk, username)),
  };
}

export interface PublishedProfile {
  profile: Record<string, unknown>;
  /** JSON text served to clients. */
  body: string;
  etag: string;
  visibility: "public" | "private";
}

export function profileIssues(input: unknown): ErrorDetail[] {
  const schemaIssues = validateProfileInput(input);
  if (schemaIssues.length > 0)
    return schemaIssues.map(({ pointer, message }) => ({ pointer, message }));
  try {
    canonicalJson(input);
  } catch (err) {
    // E.g. a lone UTF-16 surrogate: nothing can sign what JCS cannot represent.
    return [{ pointer: "", message: `cannot be signed: ${(err as Error).message}` }];
  }
  return checkProfileSemantics(input as never).map(({ pointer, message }) => ({
    pointer,
    message,
  }));
}

function invalid(message: string, pointer: string): InvalidRequestError {
  return new InvalidRequestError(message, [{ pointer, message }], "invalid_profile");
}

export const DEFAULT_CONFIRMATION_MESSAGE = "Your booking is confirmed.";
export const DEFAULT_ERROR_MESSAGE = "This time could not be booked. Please ask for another slot.";

/** The `response_channel` members a profile must carry, and the node's value for each. */
function channelDefaults(username: string, publicUrl: string) {
  const user = encodeURIComponent(username);
  return {
    notify: [] as unknown[],
    meeting_response_url: `${publicUrl}/api/bookings/${user}`,
    free_busy_url: `${publicUrl}/api/freebusy/${user}`,
    booking_confirmation_message: DEFAULT_CONFIRMATION_MESSAGE,
    booking_error_message: DEFAULT_ERROR_MESSAGE,
  };
}

/**
 * What a custodial profile leaves out of `response_channel`, filled with this node's
 * endpoints and messages, so that the profile it serves meets the official schema.
 */
function withChannelDefaults(input: Record<string, unknown>, username: string, publicUrl: string) {
  const defaults = channelDefaults(username, publicUrl);
  const channel = { ...(input.response_channel as Record<string, unknown>) };
  const confirm = { ...((channel.confirm as Record<string, unknown> | undefined) ?? {}) };
  confirm.meeting_response_url ??= defaults.meeting_response_url;
  confirm.free_busy_url ??= defaults.free_busy_url;
  channel.notify ??= defaults.notify;
  channel.confirm = confirm;
  channel.booking_confirmation_message ??= defaults.booking_confirmation_message;
  channel.booking_error_message ??= defaults.booking_error_message;
  return { ...input, response_channel: channel };
}

/**
 * A self-signed profile must carry what the node would otherwise fill: the node cannot
 * add a byte its self_proof covers. The message says exactly what to add.
 */
function refuseIncompleteSelfSigned(
  given: Record<string, unknown>,
  username: string,
  publicUrl: string,
): void {
  const defaults = channelDefaults(username, publicUrl);
  const channel = given.response_channel as Record<string, unknown>;
  const confirm = (channel.confirm as Record<string, unknown> | undefined) ?? {};
  const missing: ErrorDetail[] = [];
  const need = (present: boolean, pointer: string, value: unknown) => {
    if (!present)
      missing.push({
        pointer,
        message: `is required in a self-signed profile: add it (e.g. ${JSON.stringify(value)}) and sign again`,
      });
  };
  need(channel.notify !== undefined, "/response_channel/notify", defaults.notify);
  need(
    confirm.meeting_response_url !== undefined,
    "/response_channel/confirm/meeting_response_url",
    defaults.meeting_response_url,
  );
  need(
    confirm.free_busy_url !== undefined,
    "/response_channel/confirm/free_busy_url",
    defaults.free_busy_url,
  );
  need(
    channel.booking_confirmation_message !== undefined,
    "/response_channel/booking_confirmation_message",
    defaults.booking_confirmation_message,
  );
  need(
    channel.booking_error_message !== undefined,
    "/response_channel/booking_error_message",
    defaults.booking_error_message,
  );
  if (missing.length > 0)
    throw new InvalidRequestError(
      `A self-signed profile must carry ${missing.map((m) => m.pointer).join(", ")}: the node cannot add them without breaking its self_proof`,
      missing,
      "invalid_profile",
    );
}

/** Checked once per set of publishing deps: start-up publishes every user with one. */
const organizationBindings = new WeakMap<PublishDeps, Promise<string | undefined>>();

/**
 * Records the binding as checked elsewhere: a signing thread (publish-worker.ts) has no
 * resolver, and is told what the main thread found.
 */
export function knownOrganizationBinding(deps: PublishDeps, problem: string | undefined): void {
  organizationBindings.set(deps, Promise.resolve(problem));
}

export function organizationBindingOf(deps: PublishDeps): Promise<string | undefined> {
  let binding = organizationBindings.get(deps);
  if (!binding) {
    binding = organizationBindingProblem(deps.publicUrl, deps.orgSigner.did, deps.resolver);
    organizationBindings.set(deps, binding);
  }
  return binding;
}

export async function publishProfile(
  username: string,
  input: unknown,
  deps: PublishDeps,
): Promise<PublishedProfile> {
  const issues = profileIssues(input);
  if (issues.length > 0)
    throw new InvalidRequestError("Profile is invalid", issues, "invalid_profile");
  const given = input as Record<string, unknown>;
  if (given.username !== username)
    throw invalid(`username must be "${username}", the name it is published under`, "/username");

  let unsigned: Record<string, unknown>;
  let selfSigner: Signer | undefined;
  if (given.self_proof !== undefined) {
    // Signed offline by the user: the node may not change a byte the self_proof covers.
    if (given.self === undefined) throw invalid("self is required with self_proof", "/self");
    if (given.organization !== deps.publicUrl)
      throw invalid(
        `organization must be "${deps.publicUrl}" in a profile that carries its own self_proof`,
        "/organization",
      );
    refuseIncompleteSelfSigned(given, username, deps.publicUrl);
    unsigned = { ...given };
  } else {
    selfSigner = await deps.custodialSigner(username);
    if (given.self !== undefined && given.self !== selfSigner.did)
      throw invalid(
        "self names a DID the node holds no key for: sign the profile with `calendario sign` and include self_proof",
        "/self",
      );
    unsigned = withChannelDefaults(
      { ...given, self: selfSigner.did, organization: deps.publicUrl },
      username,
      deps.publicUrl,
    );
  }
  delete unsigned.organization_proof;

  const profile = await signProfile(unsigned, {
    self: selfSigner,
    organization: deps.orgSigner,
    now: deps.now(),
  });
  if (given.self_proof !== undefined) {
    // The user's own signature is checked; so are ours, which cover the same bytes.
    const report = await verifyProfileProofs(profile, { resolver: deps.resolver });
    for (const [field, result] of Object.entries(report)) {
      if (result.status === "invalid")
        throw invalid(`${field} does not verify: ${result.message ?? result.reason}`, `/${field}`);
    }
  } else {
    // Both proofs are the node's own, just made: what could still fail is the binding of
    // the organization key to PUBLIC_URL's host, which is the same for every profile.
    const problem = await organizationBindingOf(deps);
    if (problem)
      throw invalid(`organization_proof does not verify: ${problem}`, "/organization_proof");
  }
  const body = JSON.stringify(profile);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
  return {
    profile,
    body,
    etag,
    visibility: profile.visibility === "private" ? "private" : "public",
  };
}
