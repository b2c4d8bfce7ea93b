/**
 * `calendario login-link <username>`: asks the running node (admin API) for a single-use
 * sign-in link to the person's inbox and prints it. The node is `--node`, else PUBLIC_URL,
 * else http://localhost:$PORT; the admin token is `--token`, else ADMIN_TOKEN, else the
 * one the node keeps in DATA_DIR.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { ADMIN_TOKEN_FILE } from "../admin-token.js";

export const LOGIN_LINK_USAGE = `usage: calendario login-link <username> [--node <url>] [--token <admin token>] [--json]
  Prints a sign-in link to the person's inbox: it works once, for 15 minutes.
  --node   the node's URL (default: PUBLIC_URL, else http://localhost:$PORT, PORT default 8080)
  --token  the admin token (default: ADMIN_TOKEN, else $DATA_DIR/admin-token, DATA_DIR default ./data)
  --json   print {url, expires_at}
Exit codes: 0 printed, 1 refused (unknown user, bad token), 2 usage error, 3 node unreachable.
`;

async function adminToken(flag: string | undefined): Promise<string | undefined> {
  if (flag) return flag;
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const file = path.resolve(process.env.DATA_DIR || "data", ADMIN_TOKEN_FILE);
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function runLoginLink(args: string[]): Promise<number> {
  let values: { node?: string; token?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        node: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`calendario: ${(err as Error).message}\n${LOGIN_LINK_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(LOGIN_LINK_USAGE);
    return 0;
  }
  const [username] = positionals;
  if (!username || positionals.length !== 1) {
    process.stderr.write(LOGIN_LINK_USAGE);
    return 2;
  }
  const token = await adminToken(values.token);
  if (!token) {
    process.stderr.write(`calendario: no admin token (--token, ADMIN_TOKEN or DATA_DIR)\n`);
    return 2;
  }
  const node = (
    values.node ??
    process.env.PUBLIC_URL ??
    `http://localhost:${process.env.PORT || "8080"}`
  ).replace(/\/+$/, "");
  let res: Response;
  try {
    res = await fetch(`${node}/admin/v1/users/${encodeURIComponent(username)}/login-links`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    process.stderr.write(`calendario: cannot reach ${node}: ${(err as Error).message}\n`);
    return 3;
  }
  const body = (await res.json().catch(() => ({}))) as {
    url?: string;
    expires_at?: string;
    error?: { code?: string; message?: string };
  };
  if (res.status !== 201) {
    process.stderr.write(
      `calendario: ${res.status} ${body.error?.code ?? ""}: ${body.error?.message ?? "refused"}\n`,
    );
    return res.status >= 500 ? 3 : 1;
  }
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ url: body.url, expires_at: body.expires_at })}\n`
      : `${body.url}\n(works once, until ${body.expires_at})\n`,
  );
  return 0;
}
