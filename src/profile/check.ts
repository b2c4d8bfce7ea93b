/**
 * The validator's core: one report for any profile document — schema, semantics and
 * proofs — shared by `calendario validate` and anything else that checks a profile.
 */
import type { DidResolver } from "../identity/index.js";
import { PROOF_FIELDS, type ProofResult, verifyProfileProofs } from "./proofs.js";
import { validateProfileSchema } from "./schema.js";
import { checkProfileSemantics } from "./semantics.js";

export interface Issue {
  pointer: string;
  message: string;
}

export interface ProfileReport {
  valid: boolean;
  schema: { valid: boolean; errors: Issue[] };
  semantics: { checked: boolean; valid: boolean; errors: Issue[] };
  proofs: { checked: boolean; results: Record<string, ProofResult> };
}

export interface CheckOptions {
  /** Verify proofs (resolving DIDs). Without a resolver proofs are not checked. */
  resolver?: DidResolver;
  /** The domain the profile was discovered at, for the organization binding. */
  discoveredDomain?: string;
}

export async function checkProfile(doc: unknown, opts: CheckOptions = {}): Promise<ProfileReport> {
  const schemaErrors = validateProfileSchema(doc).map(({ pointer, message }) => ({
    pointer,
    message,
  }));
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
  return {
    valid: schemaErrors.length === 0 && semanticErrors.length === 0 && proofsValid,
    schema: { valid: schemaErrors.length === 0, errors: schemaErrors },
    semantics: {
      checked: schemaErrors.length === 0,
      valid: semanticErrors.length === 0,
      errors: semanticErrors,
    },
    proofs: { checked: opts.resolver !== undefined && isObject, results },
  };
}
