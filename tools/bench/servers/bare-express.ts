/**
 * Baseline: a bare express handler that returns a fixed body (BODY_FILE) as JSON, with
 * the fixed headers of BODY_HEADERS (a JSON object) when given, so it sends the same
 * bytes as the answer it stands for.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import express from "express";

const body = process.env.BODY_FILE ? readFileSync(process.env.BODY_FILE, "utf8") : '{"ok":true}';
const headers = Object.entries(
  JSON.parse(process.env.BODY_HEADERS ?? "{}") as Record<string, string>,
);
const app = express();
app.get("/*path", (_req, res) => {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  for (const [name, value] of headers) res.setHeader(name, value);
  res.end(body);
});
app.post("/*path", (_req, res) => {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  for (const [name, value] of headers) res.setHeader(name, value);
  res.status(201).end(body);
});
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
