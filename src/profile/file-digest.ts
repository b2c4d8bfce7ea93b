/**
 * What makes a profile file's signed form: its bytes, its name, and what signing adds
 * (PUBLIC_URL, the organization key). Their digest, kept with the user's record, tells a
 * node at start that a file needs no signing again, without parsing it.
 */
import { createHash } from "node:crypto";
import { type ProfileFile, readProfileFile } from "./load-dir.js";
import type { PublishDeps } from "./publish.js";

/**
 * Bump when publishing makes something else from the same input (a default it fills, a
 * member it adds): every file-managed profile is then signed again at the next start.
 */
export const PUBLISHED_FORM_VERSION = "1";

export function profileFileDigest(
  username: string,
  bytes: Uint8Array,
  deps: Pick<PublishDeps, "publicUrl" | "orgSigner">,
): string {
  const context = JSON.stringify([
    PUBLISHED_FORM_VERSION,
    username,
    deps.publicUrl,
    deps.orgSigner.kid,
  ]);
  return createHash("sha256").update(context).update("\n").update(bytes).digest("base64url");
}

/** Each profile file's digest, read now, in order; null for a file that cannot be read. */
export async function readFileDigests(
  entries: readonly ProfileFile[],
  deps: Pick<PublishDeps, "publicUrl" | "orgSigner">,
): Promise<(string | null)[]> {
  const digests: (string | null)[] = [];
  for (const entry of entries) {
    try {
      digests.push(profileFileDigest(entry.username, await readProfileFile(entry), deps));
    } catch {
      // Unreadable now: the loading pass says why.
      digests.push(null);
    }
  }
  return digests;
}
