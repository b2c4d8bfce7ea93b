import { runAudit } from "./audit.js";
import { runKeygen, runSign } from "./keys.js";
import { runServe } from "./serve.js";
import { runValidate } from "./validate.js";

export const USAGE = `calendario — a Calendario node and its tools

Usage:
  calendario serve                     run the node (configured by environment variables)
  calendario validate <file | https URL | username@domain> [--json] [--no-proofs]
                                       check a profile: schema, semantics and proofs
  calendario keygen [--out <file>]     create an Ed25519 key (JWK) and print its did:key
  calendario sign --key <jwk file> <profile.json> [--out <file>]
                                       add a self_proof signed with your own key
  calendario audit verify <node url> (--resource <id> | --user <username>) [--token <key>] [--json]
                                       check an audit export against the node's DID document
  calendario help                      this text

Exit codes: 0 success / valid, 1 invalid, 2 usage or fetch error.
See README.md for configuration.
`;

/** Runs one command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return runServe(rest);
    case "validate":
      return runValidate(rest);
    case "keygen":
      return runKeygen(rest);
    case "sign":
      return runSign(rest);
    case "audit":
      return runAudit(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`calendario: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
