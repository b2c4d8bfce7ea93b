/**
 * The validator's core: one report for any profile document — schema, semantics and
 * proofs — shared by `calendario validate` and anything else that checks a profile.
 */
import { type DidResolver, findDuplicateMember } from "../identity/index.js";
import { duplicateMemberMessage } from "./duplicate-members.js";
import { PROOF_FIELDS, type ProofResult, verifyProfileProofs } from "./proofs.js";
import { checkProfileSchema } from "./schema.js";
import { checkProfileSemantics } from "./semantics.js";

export interface Issue {
  pointer: string;
  message: string;
}

/**
 * Whether the profile's `organization` claim is backed: `unverified` when it has no
 * `organization_proof` (anyone can copy a profile and claim an organization) or the proof
 * fails; `unchecked` when proofs were not checked.
 */
export interface OrganizationClaim {
  status: "none" | "verified" | "unverified" | "unchecked";
  organization?: string;
  reason?: string;
}

export interface ProfileReport {
  valid: boolean;
  schema: { valid: boolean; errors: Issue[] };
  /** Not errors: members of nested objects that v0.1 does not define. */
  warnings: Issue[];
  organization: OrganizationClaim;
  semantics: { checked: boolean; valid: boolean; errors: Issue[] };
  proofs: { checked: boolean; results: Record<string, ProofResult> };
}

export interface CheckOptions {
  /** Verify proofs (resolving DIDs). Without a resolver proofs are not checked. */
  resolver?: DidResolver;
  /** The domain the profile was discovered at, for the organization binding. */
  discoveredDomain?: string;
  /** The JSON text `doc` was parsed from: a member repeated in it is an error. */
  text?: string;
}

function organizationClaim(
  doc: Record<string, unknown>,
  results: Record<string, ProofResult>,
  proofsChecked: boolean,
): OrganizationClaim {
  if (doc.organization === undefined) return { status: "none" };
  const organization = String(doc.organization);
  if (doc.organization_proof === undefined)
    return {
      status: "unverified",
      organization,
      reason: "the profile has no organization_proof: anyone can claim an organization",
    };
  if (!proofsChecked) return { status: "unchecked", organization };
  const proof = results.organization_proof;
  if (proof?.status === "valid") return { status: "verified", organization };
  return { status: "unverified", organization, reason: proof?.message ?? proof?.reason };
}

export async function checkProfile(doc: unknown, opts: CheckOptions = {}): Promise<ProfileReport> {
  const schemaReport = checkProfileSchema(doc);
  const duplicate = opts.text === undefined ? undefined : findDuplicateMember(opts.text);
  const schemaErrors = [
    ...(duplicate
      ? [{ pointer: duplicate.pointer, message: duplicateMemberMessage(duplicate) }]
      : []),
    ...schemaReport.errors.map(({ pointer, message }) => ({ pointer, message })),
  ];
  const isObject = typeof doc === "object" && doc !== null && !Array.isArray(doc);
  // Semantics need the structure the schema promises; on a broken shape they would only guess.
  const semanticErrors =
    schemaErrors.length === 0
      ? checkProfileSemantics(doc as never).map(({ pointer, message }) => ({ pointer, message }))
      : [];
  let results: Record<string, ProofResult> = {};
  if (opts.resolver && isObject) {
    results = (await verifyProfileProofs(doc as Record<string, unknown>, {
      resolver: opts.resolver,
      discoveredDomain: opts.discoveredDomain,
    })) as unknown as Record<string, ProofResult>;
  }
  const proofsValid = PROOF_FIELDS.every((f) => results[f]?.status !== "invalid");
  const proofsChecked = opts.resolver !== undefined && isObject;
  return {
    valid: schemaErrors.length === 0 && semanticErrors.length === 0 && proofsValid,
    schema: { valid: schemaErrors.length === 0, errors: schemaErrors },
    warnings: schemaReport.warnings.map(({ pointer, message }) => ({ pointer, message })),
    organization: isObject
      ? organizationClaim(doc as Record<string, unknown>, results, proofsChecked)
      : { status: "none" },
    semantics: {
      checked: schemaErrors.length === 0,
      valid: semanticErrors.length === 0,
      errors: semanticErrors,
    },
    proofs: { checked: proofsChecked, results },
  };
}
