import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { JWK } from "jose";
import { didKeySigner, generateEd25519Jwk } from "../identity/index.js";
import { signProfile } from "../profile/index.js";

export const KEYGEN_USAGE =
  "usage: calendario keygen [--out <file>]\n" +
  "       creates an Ed25519 key; with --out, writes the private JWK there (mode 0600, never\n" +
  "       over an existing file) and prints its did:key; without, prints the JWK with its did\n";

export const SIGN_USAGE =
  "usage: calendario sign --key <jwk file> <profile.json> [--out <file>]\n" +
  "       adds a self_proof signed with your key (a `calendario keygen` file) and sets `self`\n" +
  "       to its did:key; prints the signed profile, or writes it to --out\n";

function fail(message: string): number {
  process.stderr.write(`calendario: ${message}\n`);
  return 2;
}

export async function runKeygen(args: string[]): Promise<number> {
  let values: { out?: string };
  try {
    ({ values } = parseArgs({ args, options: { out: { type: "string" } } }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${KEYGEN_USAGE}`);
  }
  const { privateJwk } = await generateEd25519Jwk();
  const signer = await didKeySigner(privateJwk);
  const doc = `${JSON.stringify({ did: signer.did, ...privateJwk, kid: signer.kid }, null, 2)}\n`;
  if (values.out) {
    try {
      await writeFile(values.out, doc, { mode: 0o600, flag: "wx" });
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
      return fail(
        exists ? `${values.out} exists; refusing to overwrite a key` : (err as Error).message,
      );
    }
    process.stdout.write(`${signer.did}\n`);
    process.stderr.write(`private key written to ${values.out} (mode 0600); keep it secret\n`);
  } else {
    process.stdout.write(doc);
  }
  return 0;
}

export async function runSign(args: string[]): Promise<number> {
  let parsed: { values: { key?: string; out?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { key: { type: "string" }, out: { type: "string" } },
      allowPositionals: true,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const keyFile = parsed.values.key;
  const profileFile = parsed.positionals[0];
  if (!keyFile || !profileFile || parsed.positionals.length !== 1)
    return fail(`missing or extra arguments\n${SIGN_USAGE}`);
  let key: JWK;
  let profile: Record<string, unknown>;
  try {
    const { did: _did, ...jwk } = JSON.parse(await readFile(keyFile, "utf8"));
    key = jwk;
    profile = JSON.parse(await readFile(profileFile, "utf8"));
  } catch (err) {
    return fail(`cannot read input: ${(err as Error).message}`);
  }
  if (typeof profile !== "object" || profile === null || Array.isArray(profile))
    return fail("the profile must be a JSON object");
  const signer = await didKeySigner(key);
  if (profile.self !== undefined && profile.self !== signer.did)
    return fail(`profile.self is ${String(profile.self)} but the key is ${signer.did}`);
  if (profile.organization === undefined)
    process.stderr.write(
      "warning: no organization set; a node only publishes a self-signed profile whose organization is its own origin\n",
    );
  const { self_proof: _s, organization_proof: _o, ...rest } = profile;
  const signed = await signProfile(
    { ...rest, self: signer.did },
    { self: signer, now: Date.now() },
  );
  const out = `${JSON.stringify(signed, null, 2)}\n`;
  if (parsed.values.out) await writeFile(parsed.values.out, out);
  else process.stdout.write(out);
  return 0;
}
