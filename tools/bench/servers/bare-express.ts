/** Baseline: a bare express handler that returns a fixed body (BODY_FILE) as JSON. */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import express from "express";

const body = process.env.BODY_FILE ? readFileSync(process.env.BODY_FILE, "utf8") : '{"ok":true}';
const app = express();
app.get("/*path", (_req, res) => {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(body);
});
app.post("/*path", (_req, res) => {
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.status(201).end(body);
});
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
