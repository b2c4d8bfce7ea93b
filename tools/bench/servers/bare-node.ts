/**
 * Floor: node's own http server returning a fixed body (BODY_FILE) as JSON with the fixed
 * headers of BODY_HEADERS (a JSON object), no framework: what answering the same bytes
 * costs at the least.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const body = process.env.BODY_FILE ? readFileSync(process.env.BODY_FILE, "utf8") : '{"ok":true}';
const headers = Object.entries(
  JSON.parse(process.env.BODY_HEADERS ?? "{}") as Record<string, string>,
);
const server = createServer((req, res) => {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  for (const [name, value] of headers) res.setHeader(name, value);
  if (req.method === "POST") res.statusCode = 201;
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
