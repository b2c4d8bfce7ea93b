export { type CheckOptions, checkProfile, type ProfileReport } from "./check.js";
export { duplicateMemberMessage, refuseDuplicateMembers } from "./duplicate-members.js";
export { PUBLISHED_FORM_VERSION, profileFileDigest } from "./file-digest.js";
export { listProfileFiles } from "./load-dir.js";
export {
  type LoadProfilesOptions,
  type LoadProfilesResult,
  loadProfilesFromDir,
} from "./load-profiles.js";
export { PROOF_FIELDS, profileSigningPayload, signProfile, verifyProfileProofs } from "./proofs.js";
export {
  organizationBindingOf,
  type PublishDeps,
  type PublishedProfile,
  profileIssues,
  publishDepsFor,
  publishProfile,
} from "./publish.js";
export { defaultSigningThreads, PublishPool } from "./publish-pool.js";
export { validateProfileInput, validateProfileSchema, validateUserRules } from "./schema.js";
export { checkProfileSemantics, checkUserRulesSemantics } from "./semantics.js";
export { readSignedProfiles, SIGNED_PROFILES_FILE, writeSignedProfiles } from "./signed-cache.js";
export { putUserProfile, resignStaleProfiles, STARTUP_CONCURRENCY, USERNAME_RE } from "./users.js";
