/**
 * Binds the requester of an inbound booking to the token's issuer: the profile of
 * `requester` (found by DNS TXT, fetched, proofs verified) must carry an
 * organization_proof by `did:web:<requester domain>`, name that domain as its
 * organization, and `iss` must be its `self` or that organization's DID.
 */
import { ForbiddenError, UpstreamError } from "../errors.js";
import { didWebForDomain } from "../identity/index.js";
import type { RemoteProfile, RemoteProfiles } from "./remote-profiles.js";

export interface BoundRequester {
  /** `username@domain`, lowercase. */
  address: string;
  /** The token's `iss`. */
  did: string;
  profile: RemoteProfile;
  /** `self` when `iss` is the profile's `self`; `organization` when it is the domain's DID. */
  speaksAs: "self" | "organization";
}

export interface BindRequesterDeps {
  profiles: RemoteProfiles;
}

export interface BindRequesterInput {
  /** The `requester` of the request body, `user@domain`. */
  address: string;
  /** The request token's `iss`, its signature already verified. */
  iss: string;
}

/** The host (with port), lowercase, that `profile.organization` names: a URL or a bare host. */
function organizationHost(organization: unknown): string | undefined {
  if (typeof organization !== "string") return undefined;
  return (URL.canParse(organization) ? new URL(organization).host : organization).toLowerCase();
}

/** Why `remote` does not bind `iss`, or how it does. */
function judge(
  remote: RemoteProfile,
  iss: string,
): { speaksAs: BoundRequester["speaksAs"] } | { problem: string } {
  const { address, domain, profile, proofs } = remote;
  let orgDid: string;
  try {
    orgDid = didWebForDomain(domain);
  } catch {
    return { problem: `${domain} has no did:web` };
  }
  const org = proofs.organization_proof;
  if (org.status !== "valid")
    return {
      problem: `the profile of ${address} has ${org.status === "absent" ? "no organization_proof" : `an invalid organization_proof (${org.reason}: ${org.message})`}`,
    };
  // verifyProfileProofs also accepts an alias listed in the organization's DID document; the binding does not.
  if (org.signer !== orgDid)
    return {
      problem: `the organization_proof of ${address} is by ${org.signer}, not by ${orgDid}`,
    };
  const host = organizationHost(profile.organization);
  if (host !== domain)
    return {
      problem: `the profile of ${address} names the organization ${JSON.stringify(profile.organization)}, not ${domain}`,
    };
  // The organization_proof covers `self`; a self_proof that is there must still hold.
  const self = proofs.self_proof;
  if (self.status === "invalid")
    return {
      problem: `the profile of ${address} has an invalid self_proof (${self.reason}: ${self.message})`,
    };
  if (typeof profile.self === "string" && iss === profile.self) return { speaksAs: "self" };
  if (iss === orgDid) return { speaksAs: "organization" };
  return {
    problem: `the token is issued by ${iss}, which is neither the self of ${address} (${JSON.stringify(profile.self)}) nor ${orgDid}`,
  };
}

async function fetchProfile(
  profiles: RemoteProfiles,
  address: string,
  forceRefresh: boolean,
): Promise<RemoteProfile> {
  try {
    return await profiles.get(address, { forceRefresh });
  } catch (err) {
    // An answer that is not a usable profile cannot vouch for anyone; no answer is retryable.
    if (err instanceof UpstreamError && err.code === "peer_unverified")
      throw new ForbiddenError(
        `cannot verify the requester ${address}: ${err.message}`,
        "requester_unverified",
      );
    throw err;
  }
}

/**
 * Throws `UpstreamError` `peer_unreachable` when the profile or a DID document could not
 * be fetched (retryable), `ForbiddenError` `requester_unverified` when the profile does not
 * bind `iss` to `address`. A binding that fails on a cached profile is tried once more on
 * a fresh copy (the peer may have just changed its keys); RemoteProfiles allows that
 * refetch at most once a minute per address.
 */
export async function bindRequester(
  deps: BindRequesterDeps,
  input: BindRequesterInput,
): Promise<BoundRequester> {
  const { address, iss } = input;
  let remote = await fetchProfile(deps.profiles, address, false);
  let verdict = judge(remote, iss);
  if ("problem" in verdict) {
    const fresh = await fetchProfile(deps.profiles, address, true);
    if (fresh !== remote) {
      remote = fresh;
      verdict = judge(remote, iss);
    }
  }
  if ("problem" in verdict)
    throw new ForbiddenError(
      `cannot verify the requester ${address}: ${verdict.problem}`,
      "requester_unverified",
    );
  return { address: remote.address, did: iss, profile: remote, speaksAs: verdict.speaksAs };
}
