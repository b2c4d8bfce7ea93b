/**
 * `npm run bench`: every benchmark, each reported as a ratio against a baseline measured
 * in the same run (these machines are noisy). `npm run bench -- <name>` runs one.
 */
import { benchAvailabilityHttp } from "./availability-http.js";
import { benchAvailabilityPure } from "./availability-pure.js";
import { benchCommit } from "./commit.js";
import { benchFederation } from "./federation.js";
import { benchManyUsers } from "./many-users.js";
import { benchMcp } from "./mcp.js";
import { benchProfileGet } from "./profile-get.js";
import { benchRaceExact } from "./race-exact.js";
import { benchRequestToken } from "./request-token.js";
import { benchScale } from "./scale.js";
import { benchWebhooks } from "./webhooks.js";

const benches: Record<string, () => Promise<unknown>> = {
  "profile-get": () => benchProfileGet("warn"),
  "profile-get-logged": () => benchProfileGet("info"),
  commit: () => benchCommit(),
  "race-exact": () => benchRaceExact(),
  /** Several windows in one run, to choose the default from. */
  "race-windows": () => benchRaceExact([50, 100, 250]),
  mcp: () => benchMcp(),
  "availability-pure": () => benchAvailabilityPure(),
  "availability-http": () => benchAvailabilityHttp(),
  webhooks: () => benchWebhooks(),
  "request-token": () => benchRequestToken(),
  federation: () => benchFederation(),
  "many-users": () => benchManyUsers(),
  scale: () => benchScale(),
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`\n== ${name}\n`);
  const result = await run();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
