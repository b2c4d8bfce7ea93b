import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { discoverProfile, parseAddress } from "../federation/index.js";
import { checkProfile, type ProfileReport } from "../profile/index.js";
import { type CliOutbound, cliOutbound } from "./request.js";

export const VALIDATE_USAGE =
  "usage: calendario validate <file | https URL | username@domain> [--json] [--no-proofs]\n";

class FetchProblem extends Error {}

interface Loaded {
  source: string;
  doc: unknown;
  discoveredDomain?: string;
  url?: string;
}

async function loadInput(input: string, outbound: CliOutbound): Promise<Loaded> {
  const fetchDoc = async (url: string) => {
    try {
      return await outbound.fetch.fetchJson(url, { headers: { accept: "application/json" } });
    } catch (err) {
      throw new FetchProblem(`cannot fetch ${url}: ${(err as Error).message}`);
    }
  };
  if (/^https?:\/\//i.test(input)) return { source: input, url: input, doc: await fetchDoc(input) };
  if (parseAddress(input) && !input.includes("/")) {
    const found = await discoverProfile(input, outbound.discovery);
    if (!found) throw new FetchProblem(`cannot resolve ${input}`);
    return {
      source: `${input} (${found.profileUrl}, via ${found.via === "txt" ? `TXT ${found.txtName}` : "default path"})`,
      url: found.profileUrl,
      doc: await fetchDoc(found.profileUrl),
      discoveredDomain: found.domain,
    };
  }
  let text: string;
  try {
    text = await readFile(input, "utf8");
  } catch (err) {
    throw new FetchProblem(`cannot read ${input}: ${(err as Error).message}`);
  }
  try {
    return { source: input, doc: JSON.parse(text) };
  } catch (err) {
    throw new FetchProblem(`${input} is not valid JSON: ${(err as Error).message}`);
  }
}

function formatReport(source: string, report: ProfileReport): string {
  const lines = [`Profile: ${source}`];
  const section = (name: string, ok: boolean, errors: { pointer: string; message: string }[]) => {
    lines.push(`${ok ? "✓" : "✗"} ${name}${ok ? "" : `: ${errors.length} error(s)`}`);
    for (const e of errors) lines.push(`    ${e.pointer || "/"}: ${e.message}`);
  };
  section("schema", report.schema.valid, report.schema.errors);
  if (report.semantics.checked)
    section("semantics", report.semantics.valid, report.semantics.errors);
  else lines.push("- semantics: not checked (fix the schema errors first)");
  if (report.proofs.checked) {
    lines.push("proofs:");
    for (const [field, r] of Object.entries(report.proofs.results)) {
      const mark = r.status === "valid" ? "✓" : r.status === "invalid" ? "✗" : "-";
      const why = r.status === "invalid" ? ` (${r.reason}): ${r.message ?? ""}` : "";
      const who = r.status === "valid" && r.signer ? ` by ${r.signer}` : "";
      lines.push(`  ${mark} ${field}: ${r.status}${who}${why}`);
    }
  } else {
    lines.push("- proofs: not checked (--no-proofs)");
  }
  lines.push(report.valid ? "Result: VALID" : "Result: INVALID");
  return `${lines.join("\n")}\n`;
}

export async function runValidate(args: string[]): Promise<number> {
  let values: { json?: boolean; "no-proofs"?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        "no-proofs": { type: "boolean" },
        help: { type: "boolean" },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`calendario: ${(err as Error).message}\n${VALIDATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(VALIDATE_USAGE);
    return 2;
  }
  let loaded: Loaded;
  let outbound: CliOutbound;
  try {
    // The discovery, DNS (CALENDARIO_DNS_SERVERS, cached) and SSRF-safe fetch of `request`.
    outbound = cliOutbound();
    loaded = await loadInput(positionals[0]!, outbound);
  } catch (err) {
    const message = (err as Error).message;
    if (values.json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
    else process.stderr.write(`calendario: ${message}\n`);
    return 2;
  }
  const resolver = values["no-proofs"] ? undefined : outbound.resolver;
  const report = await checkProfile(loaded.doc, {
    resolver,
    discoveredDomain: loaded.discoveredDomain,
  });
  if (values.json)
    process.stdout.write(`${JSON.stringify({ source: loaded.source, ...report }, null, 2)}\n`);
  else process.stdout.write(formatReport(loaded.source, report));
  return report.valid ? 0 : 1;
}
