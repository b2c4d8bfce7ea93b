export { type CheckOptions, checkProfile, type ProfileReport } from "./check.js";
export { duplicateMemberMessage, refuseDuplicateMembers } from "./duplicate-members.js";
export { readProfileDir } from "./load-dir.js";
export { PROOF_FIELDS, profileSigningPayload, signProfile, verifyProfileProofs } from "./proofs.js";
export {
  type PublishDeps,
  type PublishedProfile,
  profileIssues,
  publishProfile,
} from "./publish.js";
export { validateProfileInput, validateProfileSchema, validateUserRules } from "./schema.js";
export { checkProfileSemantics, checkUserRulesSemantics } from "./semantics.js";
export {
  loadProfilesFromDir,
  putUserProfile,
  resignStaleProfiles,
  USERNAME_RE,
} from "./users.js";
