/**
 * Signing threads for start-up: with many profile files to sign, validating and signing
 * them (a custodial key derived and two Ed25519 signatures each) is most of the work, and
 * one thread uses one core. The main thread keeps reading files and writing the store
 * while these sign. A thread that fails rejects what it had; the caller signs that itself.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ProfileFile } from "./load-dir.js";
import type {
  DigestAnswer,
  DigestTask,
  PublishAnswer,
  PublishTask,
  PublishWorkerData,
} from "./publish-worker.js";

type Answer = PublishAnswer | DigestAnswer;

interface Thread {
  worker: Worker;
  waiting: Map<number, { resolve(answer: Answer): void; reject(err: Error): void }>;
  failed?: Error;
}

/**
 * One thread per core, at most four: the main thread mostly waits for them (it reads
 * files and writes the store), so it needs no core of its own.
 */
export function defaultSigningThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * The thread for the worker's module: the built .js, or under the test runner the .ts
 * source, loaded through tsx's loader registered in the thread first.
 */
function startWorker(data: PublishWorkerData): Worker {
  // A small young generation: a thread keeps nothing, and at the default size its
  // garbage cost the process ~25 MB more RSS a thread, for no measurable speed.
  const options = { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./publish-worker.js", import.meta.url), options);
  const source = new URL("./publish-worker.ts", import.meta.url).href;
  const code = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(code, { ...options, eval: true });
}

export class PublishPool {
  private readonly threads: Thread[];
  private nextId = 0;
  /** Profiles signed on the threads so far. */
  signed = 0;
  /** The first thread failure, if any (what it had was signed by the caller). */
  failure: Error | undefined;

  constructor(data: PublishWorkerData, size: number) {
    this.threads = Array.from({ length: size }, () => {
      const thread: Thread = {
        worker: startWorker(data),
        waiting: new Map(),
      };
      thread.worker.on("message", (answer: Answer) => {
        if (answer.kind === "published") this.signed++;
        thread.waiting.get(answer.id)?.resolve(answer);
        thread.waiting.delete(answer.id);
      });
      const fail = (err: Error) => {
        thread.failed ??= err;
        if (!this.closing) this.failure ??= err;
        for (const w of thread.waiting.values()) w.reject(thread.failed);
        thread.waiting.clear();
      };
      thread.worker.on("error", fail);
      thread.worker.on("exit", (code) => fail(new Error(`signing thread exited (${code})`)));
      return thread;
    });
  }

  /** Signs `text` (a profile file's content) as `username`'s profile on the least busy thread. */
  publish(username: string, text: string, now: number): Promise<PublishAnswer> {
    return this.send(
      (id) => ({ id, username, text, now }) satisfies PublishTask,
    ) as Promise<PublishAnswer>;
  }

  /** Reads these profile files on the least busy thread: each one's digest, null if unreadable. */
  async digests(files: ProfileFile[]): Promise<(string | null)[]> {
    const answer = (await this.send((id) => ({ id, files }) satisfies DigestTask)) as DigestAnswer;
    return answer.digests;
  }

  private send(task: (id: number) => PublishTask | DigestTask): Promise<Answer> {
    const live = this.threads.filter((t) => !t.failed);
    if (live.length === 0) return Promise.reject(new Error("no signing thread left"));
    const thread = live.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage(task(id));
    });
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
