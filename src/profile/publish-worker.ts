/**
 * A signing thread of start-up (publish-pool.ts): parses a profile file's text, validates
 * and signs it as the main thread's publishProfile would, and answers the signed body. It
 * has no DID resolver: a self-signed profile (whose self_proof must be verified against
 * its DID) is handed back to the main thread. At a restart it also reads files and
 * answers their digests, so the main thread only compares them.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { JWK } from "jose";
import { createSigner, parseJsonWithoutDuplicates } from "../identity/index.js";
import { readFileDigests } from "./file-digest.js";
import type { ProfileFile } from "./load-dir.js";
import { knownOrganizationBinding, publishDepsFor, publishProfile } from "./publish.js";

export interface PublishWorkerData {
  publicUrl: string;
  orgDid: string;
  orgKid: string;
  orgPrivateJwk: JWK;
  /** What the main thread found binding the organization key to PUBLIC_URL's host. */
  organizationProblem: string | undefined;
}

export interface PublishTask {
  id: number;
  username: string;
  text: string;
  now: number;
}

/** The digests (file-digest.ts) of profile files, read on the thread: a restart's check. */
export interface DigestTask {
  id: number;
  files: ProfileFile[];
}

/** Each file's digest, in order; null for a file that could not be read. */
export interface DigestAnswer {
  id: number;
  kind: "digests";
  digests: (string | null)[];
}

export type PublishAnswer = { id: number } & (
  | {
      kind: "published";
      input: Record<string, unknown>;
      body: string;
      etag: string;
      visibility: "public" | "private";
    }
  | { kind: "self-signed"; input: Record<string, unknown> }
  | { kind: "failed"; message: string; details?: unknown }
);

const data = workerData as PublishWorkerData;
let now = 0;
const deps = publishDepsFor(data.orgPrivateJwk, {
  publicUrl: data.publicUrl,
  orgSigner: createSigner({ did: data.orgDid, kid: data.orgKid, privateJwk: data.orgPrivateJwk }),
  resolver: {
    resolve: (did) => Promise.reject(new Error(`no DID resolution on a signing thread: ${did}`)),
  },
  now: () => now,
});
knownOrganizationBinding(deps, data.organizationProblem);

async function publish(task: PublishTask): Promise<PublishAnswer> {
  const { id, username, text } = task;
  let input: Record<string, unknown>;
  try {
    input = parseJsonWithoutDuplicates(text) as Record<string, unknown>;
  } catch (err) {
    return { id, kind: "failed", message: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof input === "object" && input !== null && "self_proof" in input)
    return { id, kind: "self-signed", input };
  try {
    now = task.now;
    const { body, etag, visibility } = await publishProfile(username, input, deps);
    return { id, kind: "published", input, body, etag, visibility };
  } catch (err) {
    const e = err as Error & { details?: unknown };
    return { id, kind: "failed", message: e.message, details: e.details };
  }
}

async function digests({ id, files }: DigestTask): Promise<DigestAnswer> {
  return { id, kind: "digests", digests: await readFileDigests(files, deps) };
}

parentPort!.on("message", (task: PublishTask | DigestTask) => {
  const work = "files" in task ? digests(task) : publish(task);
  work.then((answer) => parentPort!.postMessage(answer));
});
