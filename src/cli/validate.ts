import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { discoverProfile, parseAddress } from "../federation/index.js";
import { checkProfile, type ProfileReport } from "../profile/index.js";
import { type CliOutbound, cliOutbound } from "./request.js";

export const VALIDATE_USAGE =
  "usage: calendario validate <file | https URL | username@domain> [--json] [--no-proofs] [--allow-unverified-org]\n" +
  "       exits 1 for an invalid profile, and for an organization claimed without a valid\n" +
  "       organization_proof unless --allow-unverified-org\n";

class FetchProblem extends Error {}

interface Loaded {
  source: string;
  doc: unknown;
  /** The JSON text, so that a repeated member (which JSON.parse hides) is found. */
  text: string;
  discoveredDomain?: string;
  url?: string;
}

async function loadInput(input: string, outbound: CliOutbound): Promise<Loaded> {
  const fetchDoc = async (url: string) => {
    let text: string;
    try {
      const answer = await outbound.fetch.fetchRaw(url, {
        headers: { accept: "application/json" },
      });
      if (answer.status < 200 || answer.status > 299)
        throw new Error(`${answer.url} answered HTTP ${answer.status}`);
      text = answer.body.toString("utf8");
    } catch (err) {
      throw new FetchProblem(`cannot fetch ${url}: ${(err as Error).message}`);
    }
    try {
      return { text, doc: JSON.parse(text) as unknown };
    } catch {
      throw new FetchProblem(`${url} did not answer JSON`);
    }
  };
  if (/^https?:\/\//i.test(input)) return { source: input, url: input, ...(await fetchDoc(input)) };
  if (parseAddress(input) && !input.includes("/")) {
    const found = await discoverProfile(input, outbound.discovery);
    if (!found) throw new FetchProblem(`cannot resolve ${input}`);
    return {
      source: `${input} (${found.profileUrl}, via ${found.via === "txt" ? `TXT ${found.txtName}` : "default path"})`,
      url: found.profileUrl,
      ...(await fetchDoc(found.profileUrl)),
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
    return { source: input, text, doc: JSON.parse(text) };
  } catch (err) {
    throw new FetchProblem(`${input} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The organization line comes first: a claimed but unproven organization is the risk to see. */
function organizationLine(report: ProfileReport): string | undefined {
  const org = report.organization;
  switch (org.status) {
    case "none":
      return undefined;
    case "verified":
      return `✓ organization: ${org.organization} (verified by its organization_proof)`;
    case "unchecked":
      return `- organization: ${org.organization} (not checked: --no-proofs)`;
    case "unverified":
      return `✗ UNVERIFIED ORGANIZATION: ${org.organization} — ${org.reason ?? "its organization_proof does not verify"}`;
  }
}

function formatReport(source: string, report: ProfileReport, allowUnverifiedOrg: boolean): string {
  const lines = [`Profile: ${source}`];
  const org = organizationLine(report);
  if (org) lines.push(org);
  const section = (name: string, ok: boolean, errors: { pointer: string; message: string }[]) => {
    lines.push(`${ok ? "✓" : "✗"} ${name}${ok ? "" : `: ${errors.length} error(s)`}`);
    for (const e of errors) lines.push(`    ${e.pointer || "/"}: ${e.message}`);
  };
  section("schema", report.schema.valid, report.schema.errors);
  for (const w of report.warnings) lines.push(`  ! warning ${w.pointer}: ${w.message}`);
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
  if (!report.valid) lines.push("Result: INVALID");
  else if (report.organization.status === "unverified")
    lines.push(
      allowUnverifiedOrg
        ? "Result: VALID, with an UNVERIFIED organization (allowed by --allow-unverified-org)"
        : "Result: UNVERIFIED ORGANIZATION (valid otherwise; --allow-unverified-org to accept)",
    );
  else lines.push("Result: VALID");
  return `${lines.join("\n")}\n`;
}

/** 0 for a valid profile whose organization, if any, is proven (or allowed unproven); else 1. */
function exitCode(report: ProfileReport, allowUnverifiedOrg: boolean): number {
  if (!report.valid) return 1;
  return report.organization.status === "unverified" && !allowUnverifiedOrg ? 1 : 0;
}

export async function runValidate(args: string[]): Promise<number> {
  let values: {
    json?: boolean;
    "no-proofs"?: boolean;
    "allow-unverified-org"?: boolean;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        "no-proofs": { type: "boolean" },
        "allow-unverified-org": { type: "boolean" },
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
    text: loaded.text,
  });
  const allowUnverifiedOrg = values["allow-unverified-org"] === true;
  if (values.json)
    process.stdout.write(`${JSON.stringify({ source: loaded.source, ...report }, null, 2)}\n`);
  else process.stdout.write(formatReport(loaded.source, report, allowUnverifiedOrg));
  return exitCode(report, allowUnverifiedOrg);
}
