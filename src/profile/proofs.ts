/**
 * Profile proofs: detached JWS signatures over the JCS form of the profile without its
 * three `*_proof` members, checked against the signer's DID document and bound to the
 * profile (`self`, `organization`, the domain the profile was discovered at).
 */
import type { DIDDocument } from "did-resolver";
import {
  canonicalJson,
  DidResolutionError,
  type DidResolver,
  decodeDetachedJwsHeader,
  didWebForDomain,
  findVerificationKey,
  isSupportedAlg,
  JwsError,
  type JwsHeader,
  type Signer,
  VerificationMethodError,
  verifyDetached,
} from "../identity/index.js";

export const PROOF_FIELDS = ["self_proof", "organization_proof", "representing_proof"] as const;
export type ProofField = (typeof PROOF_FIELDS)[number];

export const PROOF_TYPE = "DIDSignature2021";
export const PROOF_PURPOSE = "assertionMethod";

export interface ProfileProof {
  type: typeof PROOF_TYPE;
  created: string;
  proofPurpose: typeof PROOF_PURPOSE;
  verificationMethod: string;
  jws: string;
}

export interface ProofResult {
  status: "valid" | "invalid" | "absent";
  /** A stable code: `malformed_proof`, `malformed_jws`, `kid_mismatch`, `signature_mismatch`, … */
  reason?: string;
  message?: string;
  /** The signer's DID, once the proof names one. */
  signer?: string;
}

export type ProofReport = Record<ProofField, ProofResult>;

type Profile = Record<string, unknown>;

const VERIFICATION_METHOD_RE = /^did:[a-z0-9]+:[^#\s]+#[^#\s]+$/;

/** The bytes every proof signs: UTF-8 of JCS(profile without the three proof members). */
export function profileSigningPayload(profile: Profile): Uint8Array {
  const unsigned: Profile = { ...profile };
  for (const field of PROOF_FIELDS) delete unsigned[field];
  return new TextEncoder().encode(canonicalJson(unsigned));
}

export async function createProof(
  profile: Profile,
  signer: Signer,
  createdIso: string,
  payload: Uint8Array = profileSigningPayload(profile),
): Promise<ProfileProof> {
  return {
    type: PROOF_TYPE,
    created: createdIso,
    proofPurpose: PROOF_PURPOSE,
    verificationMethod: signer.kid,
    jws: await signer.signDetached(payload),
  };
}

export interface SignProfileOptions {
  self?: Signer;
  organization?: Signer;
  representing?: Signer;
  /** When the proofs are made: epoch milliseconds, a Date or an ISO string. */
  now: number | Date | string;
}

/** A copy of `profile` with a proof from each signer given; proofs not asked for are kept. */
export async function signProfile(profile: Profile, opts: SignProfileOptions): Promise<Profile> {
  const created = new Date(opts.now).toISOString();
  const signers = {
    self_proof: opts.self,
    organization_proof: opts.organization,
    representing_proof: opts.representing,
  };
  const signed: Profile = { ...profile };
  // Every proof signs the same bytes, computed from `profile`, so none covers another.
  const payload = profileSigningPayload(profile);
  for (const [field, signer] of Object.entries(signers)) {
    if (signer) signed[field] = await createProof(profile, signer, created, payload);
  }
  return signed;
}

class ProofFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly signer?: string,
  ) {
    super(message);
  }
}

function malformedProof(detail: string, proof: Record<string, unknown>): ProofFailure {
  const looksLikeExample = [proof.verificationMethod, proof.jws].some(
    (v) => typeof v === "string" && /\.\.\.|…/.test(v),
  );
  const hint = looksLikeExample
    ? " It looks like a placeholder from an example, not a real proof."
    : "";
  return new ProofFailure("malformed_proof", `the proof is malformed: ${detail}.${hint}`);
}

/** Checks the proof's members; the jws is decoded before the verificationMethod is parsed. */
function checkProofShape(proof: unknown): { proof: ProfileProof; header: JwsHeader } {
  if (typeof proof !== "object" || proof === null || Array.isArray(proof))
    throw new ProofFailure("malformed_proof", "the proof is malformed: it is not a JSON object");
  const p = proof as Record<string, unknown>;
  if (p.type !== PROOF_TYPE)
    throw malformedProof(`type must be "${PROOF_TYPE}", not ${JSON.stringify(p.type)}`, p);
  if (p.proofPurpose !== PROOF_PURPOSE)
    throw malformedProof(
      `proofPurpose must be "${PROOF_PURPOSE}", not ${JSON.stringify(p.proofPurpose)}`,
      p,
    );
  if (typeof p.verificationMethod !== "string")
    throw malformedProof("verificationMethod must be a string", p);
  if (typeof p.jws !== "string") throw malformedProof("jws must be a string", p);
  if (p.created !== undefined && typeof p.created !== "string")
    throw malformedProof("created must be a date-time string", p);
  // A placeholder jws is the likeliest fault in a hand-made profile: name it first.
  const header = decodeDetachedJwsHeader(p.jws);
  if (!VERIFICATION_METHOD_RE.test(p.verificationMethod))
    throw malformedProof(
      `verificationMethod must be a DID URL "did:…#…", not ${JSON.stringify(p.verificationMethod)}`,
      p,
    );
  return { proof: p as unknown as ProfileProof, header };
}

function asFailure(err: unknown, signer: string | undefined): ProofFailure {
  if (err instanceof ProofFailure) return err;
  if (err instanceof JwsError || err instanceof VerificationMethodError)
    return new ProofFailure(err.reason, err.message, signer);
  if (err instanceof DidResolutionError)
    return new ProofFailure("unresolvable_did", err.message, signer);
  return new ProofFailure("verification_failed", (err as Error).message ?? String(err), signer);
}

async function verifyAgainstDocument(doc: DIDDocument, proof: ProfileProof, payload: Uint8Array) {
  const key = findVerificationKey(doc, proof.verificationMethod, "assertionMethod");
  await verifyDetached(proof.jws, payload, key);
}

/** Checks one proof's form and signature; answers the signer's DID. */
async function verifyProofSignature(
  value: unknown,
  payload: Uint8Array,
  resolver: DidResolver,
): Promise<string> {
  let checked: ReturnType<typeof checkProofShape>;
  try {
    checked = checkProofShape(value);
  } catch (err) {
    throw asFailure(err, undefined);
  }
  const { proof, header } = checked;
  const did = proof.verificationMethod.slice(0, proof.verificationMethod.indexOf("#"));
  try {
    if (header.kid !== proof.verificationMethod)
      throw new ProofFailure(
        "kid_mismatch",
        `the JWS kid ${JSON.stringify(header.kid)} is not the verificationMethod ${proof.verificationMethod}`,
        did,
      );
    if (!isSupportedAlg(header.alg))
      throw new ProofFailure(
        "unsupported_alg",
        `alg ${JSON.stringify(header.alg)} is not accepted (EdDSA, ES256K, ES256)`,
        did,
      );
    const doc = await resolver.resolve(did);
    try {
      await verifyAgainstDocument(doc, proof, payload);
    } catch (err) {
      if (!(err instanceof VerificationMethodError || err instanceof JwsError)) throw err;
      // The key may have been rotated since the document was cached: look once more.
      let fresh: DIDDocument;
      try {
        fresh = await resolver.resolve(did, { forceRefresh: true });
      } catch {
        throw err;
      }
      await verifyAgainstDocument(fresh, proof, payload);
    }
  } catch (err) {
    throw asFailure(err, did);
  }
  return did;
}

/** The host (with port) named by `profile.organization`, a URL or a bare host, and its did:web. */
function organizationDid(organization: unknown): { host: string; did: string } | undefined {
  if (typeof organization !== "string") return undefined;
  const host = (
    URL.canParse(organization) ? new URL(organization).host : organization
  ).toLowerCase();
  try {
    return { host, did: didWebForDomain(host) };
  } catch {
    return undefined;
  }
}

async function checkOrganizationBinding(
  profile: Profile,
  signer: string,
  opts: VerifyProofsOptions,
) {
  const org = organizationDid(profile.organization);
  const mismatch = (message: string) => new ProofFailure("organization_mismatch", message, signer);
  if (!org)
    throw mismatch(`profile.organization ${JSON.stringify(profile.organization)} names no host`);
  if (signer !== org.did) {
    const aliases = await opts.resolver.resolve(org.did).then(
      (doc) => doc.alsoKnownAs,
      () => undefined,
    );
    if (!Array.isArray(aliases) || !aliases.includes(signer))
      throw mismatch(
        `signed by ${signer}, but the organization is ${org.did}, whose DID document does not list ${signer} in alsoKnownAs`,
      );
  }
  if (opts.discoveredDomain !== undefined && org.host !== opts.discoveredDomain.toLowerCase())
    throw new ProofFailure(
      "organization_domain_mismatch",
      `the organization host is ${org.host}, but the profile was discovered at ${opts.discoveredDomain}`,
      signer,
    );
}

/**
 * Why a profile naming `organization` and signed by the organization DID `signer` fails
 * its organization binding (the reason a verifier would give), or undefined when it holds.
 */
export async function organizationBindingProblem(
  organization: unknown,
  signer: string,
  resolver: DidResolver,
): Promise<string | undefined> {
  try {
    await checkOrganizationBinding({ organization }, signer, { resolver });
    return undefined;
  } catch (err) {
    return asFailure(err, signer).message;
  }
}

async function checkBinding(
  field: ProofField,
  profile: Profile,
  signer: string,
  opts: VerifyProofsOptions,
): Promise<void> {
  if (field === "self_proof" && signer !== profile.self)
    throw new ProofFailure(
      "did_mismatch",
      `signed by ${signer}, but profile.self is ${JSON.stringify(profile.self)}`,
      signer,
    );
  if (field === "organization_proof") await checkOrganizationBinding(profile, signer, opts);
}

export interface VerifyProofsOptions {
  resolver: DidResolver;
  /** The domain the profile was discovered at (`user@domain`), which must be its organization. */
  discoveredDomain?: string;
}

async function verifyOne(
  field: ProofField,
  profile: Profile,
  payload: Uint8Array | ProofFailure,
  opts: VerifyProofsOptions,
): Promise<ProofResult> {
  if (profile[field] === undefined) return { status: "absent" };
  try {
    if (payload instanceof ProofFailure) throw payload;
    const signer = await verifyProofSignature(profile[field], payload, opts.resolver);
    await checkBinding(field, profile, signer, opts);
    return { status: "valid", signer };
  } catch (err) {
    const { reason, message, signer } = asFailure(err, undefined);
    return signer
      ? { status: "invalid", reason, message, signer }
      : { status: "invalid", reason, message };
  }
}

/** Verifies each of the three proofs independently; a missing proof is `absent`, not invalid. */
export async function verifyProfileProofs(
  profile: Profile,
  opts: VerifyProofsOptions,
): Promise<ProofReport> {
  let payload: Uint8Array | ProofFailure;
  try {
    payload = profileSigningPayload(profile);
  } catch (err) {
    payload = new ProofFailure("malformed_profile", (err as Error).message);
  }
  const results = await Promise.all(PROOF_FIELDS.map((f) => verifyOne(f, profile, payload, opts)));
  return Object.fromEntries(PROOF_FIELDS.map((f, i) => [f, results[i]])) as ProofReport;
}
