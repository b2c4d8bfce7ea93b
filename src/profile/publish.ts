/**
 * Turns a profile given to the node into the signed profile it serves. Signing happens
 * here, once per change; the result is serialized once and served byte for byte.
 */
import { createHash } from "node:crypto";
import { type ErrorDetail, InvalidRequestError } from "../errors.js";
import { canonicalJson, type DidResolver, type Signer } from "../identity/index.js";
import { signProfile, verifyProfileProofs } from "./proofs.js";
import { validateProfileInput } from "./schema.js";
import { checkProfileSemantics } from "./semantics.js";

export interface PublishDeps {
  publicUrl: string;
  orgSigner: Signer;
  custodialSigner(username: string): Promise<Signer>;
  resolver: DidResolver;
  now(): number;
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

/** Endpoints of this node that a custodial profile advertises unless it names its own. */
function withNodeEndpoints(input: Record<string, unknown>, username: string, publicUrl: string) {
  const channel = { ...(input.response_channel as Record<string, unknown>) };
  const confirm = { ...((channel.confirm as Record<string, unknown> | undefined) ?? {}) };
  const user = encodeURIComponent(username);
  confirm.meeting_response_url ??= `${publicUrl}/api/bookings/${user}`;
  confirm.free_busy_url ??= `${publicUrl}/api/freebusy/${user}`;
  channel.confirm = confirm;
  return { ...input, response_channel: channel };
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
    unsigned = { ...given };
  } else {
    selfSigner = await deps.custodialSigner(username);
    if (given.self !== undefined && given.self !== selfSigner.did)
      throw invalid(
        "self names a DID the node holds no key for: sign the profile with `calendario sign` and include self_proof",
        "/self",
      );
    unsigned = withNodeEndpoints(
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
  const report = await verifyProfileProofs(profile, { resolver: deps.resolver });
  for (const [field, result] of Object.entries(report)) {
    if (result.status === "invalid")
      throw invalid(`${field} does not verify: ${result.message ?? result.reason}`, `/${field}`);
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
