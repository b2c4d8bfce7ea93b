/**
 * A profile with a member twice is refused wherever one enters the node (admin API,
 * profile files, the validator): JCS cannot sign it, and two parsers could read it two
 * ways (a forged `display_name` shown by one, the signed one by the other).
 */
import { InvalidRequestError } from "../errors.js";
import { type DuplicateMember, findDuplicateMember } from "../identity/index.js";

export function duplicateMemberMessage(duplicate: DuplicateMember): string {
  return `"${duplicate.name}" appears twice in the same object: a profile must not repeat a member (I-JSON, JCS)`;
}

/** Throws `invalid_profile` naming the repeated member; `text` must be valid JSON. */
export function refuseDuplicateMembers(text: string): void {
  const duplicate = findDuplicateMember(text);
  if (duplicate)
    throw new InvalidRequestError(
      "Profile is invalid",
      [{ pointer: duplicate.pointer, message: duplicateMemberMessage(duplicate) }],
      "invalid_profile",
    );
}
