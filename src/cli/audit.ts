import { parseArgs } from "node:util";
import { type AuditExport, verifyAuditExport } from "../audit/index.js";
import { createSafeFetch } from "../federation/index.js";

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
    exported = (await fetcher.fetchJson(`${base}/v1/audit?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    })) as AuditExport;
    didDocument = (await fetcher.fetchJson(`${base}/.well-known/did.json`)) as Record<
      string,
      unknown
    >;
  } catch (err) {
    process.stderr.write(`calendario: cannot fetch the audit export: ${(err as Error).message}\n`);
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
        `${check.events.ok ? "" : `: ${check.events.reason} at seq ${check.events.brokenAt}`}\n` +
        `Result: ${check.ok ? "VERIFIED" : "NOT VERIFIED"}\n`,
    );
  }
  return check.ok ? 0 : 1;
}
