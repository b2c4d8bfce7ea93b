/**
 * Headless Chromium for the inbox's browser tests: Debian's `chromium` (or CHROMIUM_PATH),
 * driven by playwright-core, resolving the federation's test domains to loopback.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { expect } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Fails the test plainly when the browser is not installed. */
export function expectChromium(): void {
  expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install chromium)`).toBe(true);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--host-resolver-rules=MAP acme.test 127.0.0.1, MAP globex.test 127.0.0.1",
    ],
  });
}
