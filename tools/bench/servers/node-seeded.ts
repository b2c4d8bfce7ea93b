/**
 * The Calendario node, as servers/node.ts, with its store seeded for the scale bench
 * before it says READY: the plan is the JSON in SCALE_PLAN; what was seeded (usernames,
 * agents' keys) is written to the file SCALE_OUT.
 */
import { writeFile } from "node:fs/promises";
import { envToConfig, envToSecrets, readEnv } from "../../../src/config.js";
import { startNode } from "../../../src/server.js";
import { type ScalePlan, seedScale } from "../scale-seed.js";

const env = readEnv();
const node = await startNode(envToConfig({ ...env, port: env.port ?? "0" }), envToSecrets(env));
const plan = JSON.parse(process.env.SCALE_PLAN ?? "") as ScalePlan;
const t0 = performance.now();
const calendars = await seedScale(node.ctx, plan);
const seedSeconds = (performance.now() - t0) / 1000;
await writeFile(process.env.SCALE_OUT!, JSON.stringify({ calendars, seedSeconds }));
process.stdout.write(`READY ${new URL(node.url).port}\n`);
process.on("SIGTERM", () => {
  node.stop().then(() => process.exit(0));
});
