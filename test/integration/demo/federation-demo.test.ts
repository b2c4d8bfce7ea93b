/**
 * `npm run demo:federation` end to end: the demo script, run as a reader runs it, starts
 * its own DNS server and two node processes, books across them twice (confirmed, then
 * pending and accepted) and must exit 0, having printed every step.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");
const SCRIPT = path.join(ROOT, "tools", "demo", "federation.ts");

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
      // Past this the demo is interrupted as by Ctrl-C, and stops its nodes itself.
      timeout: 110_000,
      killSignal: "SIGINT",
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

it("runs every step of the federation demo and exits 0", async () => {
  const { code, out } = await runDemo();
  expect(code, out).toBe(0);
  const lines = [
    /_calendario\.acme\.test\. +TXT +"calendario=\/\.well-known\/calendario"/,
    /\$ curl -s "\$GLOBEX\/v1\/availability\?with=jane@acme\.test:\d+&range_start=/,
    /\$ curl -s -X POST "\$GLOBEX\/v1\/meetings"/,
    /→ 201 .*"remote":\{"address":"jane@acme\.test:\d+","booking_id":"bkg_[^"]+","status":"confirmed"\}/,
    /\$ curl -s "\$ACME\/api\/freebusy\/jane\?start=/,
    /→ 202 .*"status":"pending".*"remote":\{[^}]*"status":"pending"\}/,
    /\$ curl -s -X POST "\$ACME\/admin\/v1\/users\/jane\/bookings\/bkg_[^/]+\/accept"/,
    /→ 200 .*"status":"committed".*"remote":\{[^}]*"status":"confirmed"\}/,
    /✓ every step gave the expected answer/,
  ];
  for (const line of lines) expect(out, String(line)).toMatch(line);
}, 120_000);
