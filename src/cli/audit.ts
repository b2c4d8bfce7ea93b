import { parseArgs } from "node:util";
import { type AuditExport, verifyAuditExport } from "../audit/index.js";
import { createSafeFetch } from "../federation/index.js";

const PAGE_LIMIT = 1000;
/** 10 million events: far beyond any chain, but a node that pages forever is stopped. */
const MAX_PAGES = 10_000;

interface AuditPage extends AuditExport {
  next_after?: number;
}

/**
 * Every page of `GET /v1/audit`, joined, with the checkpoint of the last page read. Stops
 * when the events reach that checkpoint's `seq`, or a page is empty (a chain that grew
 * while paging gets one more, empty, page and so its newer checkpoint).
 */
async function fetchWholeExport(
  fetchPage: (after: number) => Promise<AuditPage>,
  untilHead: boolean,
): Promise<AuditExport> {
  const events: AuditExport["events"] = [];
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await fetchPage(after);
    events.push(...answer.events);
    const last = answer.events.at(-1)?.seq ?? after;
    const done = untilHead
      ? answer.events.length === 0 || last === answer.checkpoint.seq
      : answer.events.length < PAGE_LIMIT;
    if (done) return { user_id: answer.user_id, events, checkpoint: answer.checkpoint };
    if (last <= after) throw new Error(`the node's pages do not advance past seq ${after}`);
    after = last;
  }
  throw new Error(`the export has more than ${MAX_PAGES} pages`);
}

export const AUDIT_USAGE =
  "usage: calendario audit verify <node url> (--resource <id> | --user <username>) [--token <key>] [--json]\n" +
  "       the token (an agent key, or the admin token with --user) may also come from CALENDARIO_TOKEN\n";

/** `calendario audit verify`: checks a node's audit export against its DID document. */
export async function runAudit(args: string[]): Promise<number> {
  let values: { resource?: string; user?: string; token?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        resource: { type: "string" },
        user: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`calendario: ${(err as Error).message}\n${AUDIT_USAGE}`);
    return 2;
  }
  const [verb, nodeUrl] = positionals;
  const token = values.token ?? process.env.CALENDARIO_TOKEN;
  if (
    verb !== "verify" ||
    !nodeUrl ||
    positionals.length !== 2 ||
    (!values.resource && !values.user) ||
    !token
  ) {
    process.stderr.write(AUDIT_USAGE);
    return 2;
  }
  const allowInsecure = ["1", "true"].includes(process.env.CALENDARIO_ALLOW_INSECURE ?? "");
  const fetcher = createSafeFetch({ allowInsecure });
  const base = nodeUrl.replace(/\/+$/, "");
  const query = new URLSearchParams();
  if (values.resource) query.set("resource", values.resource);
  if (values.user) query.set("user_id", values.user);
  let exported: AuditExport;
  let didDocument: Record<string, unknown>;
  try {
    exported = await fetchWholeExport((after) => {
      query.set("limit", String(PAGE_LIMIT));
      query.set("after", String(after));
      return fetcher.fetchJson(`${base}/v1/audit?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      }) as Promise<AuditPage>;
    }, !values.resource);
    didDocument = (await fetcher.fetchJson(`${base}/.well-known/did.json`)) as Record<
      string,
      unknown
    >;
  } catch (err) {
    const hint =
      base.startsWith("http:") && !allowInsecure
        ? " (a node over plain HTTP needs CALENDARIO_ALLOW_INSECURE=1)"
        : "";
    process.stderr.write(
      `calendario: cannot fetch the audit export: ${(err as Error).message}${hint}\n`,
    );
    return 2;
  }
  const check = await verifyAuditExport(exported, didDocument, { fullChain: !values.resource });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
  } else {
    const cp = check.checkpoint;
    process.stdout.write(
      `${cp.ok ? "✓" : "✗"} checkpoint signed by ${String(didDocument.id)}${cp.ok ? "" : `: ${cp.reason}`}\n` +
        `${check.events.ok ? "✓" : "✗"} ${check.events.count} event(s), ${check.events.mode === "chain" ? "hash chain" : "event hashes"}` +
        `${check.events.ok ? "" : `: ${check.events.reason} at seq ${check.events.brokenAt}`}` +
        `${check.events.reason === "truncated" ? ` (the checkpoint's head is seq ${exported.checkpoint.seq})` : ""}\n` +
        `Result: ${check.ok ? "VERIFIED" : "NOT VERIFIED"}\n`,
    );
  }
  return check.ok ? 0 : 1;
}
