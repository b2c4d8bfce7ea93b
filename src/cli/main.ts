export const USAGE = `calendario — a Calendario node and its tools

Usage:
  calendario serve                     run the node (configured by environment variables)
  calendario validate <file | https URL | username@domain> [--json] [--no-proofs] [--allow-unverified-org]
                                       check a profile: schema, semantics and proofs
  calendario keygen [--out <file>]     create an Ed25519 key (JWK) and print its did:key
  calendario sign --key <jwk file> <profile.json> [--out <file>]
                                       add a self_proof signed with your own key
  calendario request <username@domain> --start <RFC 3339> --minutes <n>
           --as <profile.json> --key <jwk file> [--subject s] [--note s] [--callback-url u] [--json]
                                       sign and send a booking request as yourself (your profile's self DID)
  calendario audit verify <node url> (--resource <id> | --user <username>) [--token <key>] [--json]
                                       check an audit export against the node's DID document
  calendario help                      this text

Exit codes: 0 success / valid, 1 invalid, 2 usage or fetch error.
  request: 0 confirmed or pending, 1 refused (or the target's profile does not verify),
  2 usage error, 3 the peer could not be reached (or answered 5xx).
DNS lookups use CALENDARIO_DNS_SERVERS when set; CALENDARIO_ALLOW_INSECURE=1 allows http and
local addresses (local testing only).
See README.md for configuration.
`;

/**
 * Runs one command; returns the exit code. Each command's module is loaded when it runs,
 * so a client command does not load the whole server first.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return (await import("./serve.js")).runServe(rest);
    case "validate":
      return (await import("./validate.js")).runValidate(rest);
    case "keygen":
      return (await import("./keys.js")).runKeygen(rest);
    case "sign":
      return (await import("./keys.js")).runSign(rest);
    case "request":
      return (await import("./request.js")).runRequest(rest);
    case "audit":
      return (await import("./audit.js")).runAudit(rest);
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
