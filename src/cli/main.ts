import { SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.js";

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
  calendario login-link <username> [--node <url>] [--token <admin token>] [--json]
                                       a single-use sign-in link to the person's inbox (15 minutes)
  calendario <command> --help          the usage of one command
  calendario --version                 the version
  calendario help                      this text

Exit codes: 0 success / valid, 1 invalid, 2 usage or fetch error (also: no command).
  request: 0 confirmed or pending, 1 refused (or the target's profile does not verify),
  2 usage error, 3 the peer could not be reached (or answered 5xx).
DNS lookups use CALENDARIO_DNS_SERVERS when set; CALENDARIO_ALLOW_INSECURE=1 allows http and
local addresses (local testing only).
See README.md for configuration.
`;

/** One subcommand: its usage (printed by `--help`, exit 0) and how it runs. */
export interface Command {
  name: string;
  usage(): Promise<string>;
  run(args: string[]): Promise<number>;
}

/**
 * Every subcommand. Each command's module is loaded when it runs (or shows its usage), so
 * a client command does not load the whole server first.
 */
export const COMMANDS: readonly Command[] = [
  {
    name: "serve",
    usage: async () => (await import("./serve.js")).SERVE_USAGE,
    run: async (args) => (await import("./serve.js")).runServe(args),
  },
  {
    name: "validate",
    usage: async () => (await import("./validate.js")).VALIDATE_USAGE,
    run: async (args) => (await import("./validate.js")).runValidate(args),
  },
  {
    name: "keygen",
    usage: async () => (await import("./keys.js")).KEYGEN_USAGE,
    run: async (args) => (await import("./keys.js")).runKeygen(args),
  },
  {
    name: "sign",
    usage: async () => (await import("./keys.js")).SIGN_USAGE,
    run: async (args) => (await import("./keys.js")).runSign(args),
  },
  {
    name: "request",
    usage: async () => (await import("./request.js")).REQUEST_USAGE,
    run: async (args) => (await import("./request.js")).runRequest(args),
  },
  {
    name: "login-link",
    usage: async () => (await import("./login-link.js")).LOGIN_LINK_USAGE,
    run: async (args) => (await import("./login-link.js")).runLoginLink(args),
  },
  {
    name: "audit",
    usage: async () => (await import("./audit.js")).AUDIT_USAGE,
    run: async (args) => (await import("./audit.js")).runAudit(args),
  },
];

const HELP_FLAGS = new Set(["--help", "-h"]);
const VERSION_FLAGS = new Set(["--version", "-V", "version"]);

/** `--help` or `-h` among the arguments, before a `--` that ends the options. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => HELP_FLAGS.has(a));
}

/** Runs one command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the help goes where errors go.
    process.stderr.write(USAGE);
    return 2;
  }
  if (name === "help" || HELP_FLAGS.has(name)) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (VERSION_FLAGS.has(name)) {
    process.stdout.write(`${SOFTWARE_NAME} ${SOFTWARE_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`calendario: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(await command.usage());
    return 0;
  }
  return command.run(rest);
}
