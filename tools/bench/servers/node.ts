/** The Calendario node, configured from the environment, on PORT when given, else on a free port. */
import { envToConfig, envToSecrets, readEnv } from "../../../src/config.js";
import { startNode } from "../../../src/server.js";

const env = readEnv();
const node = await startNode(envToConfig({ ...env, port: env.port ?? "0" }), envToSecrets(env));
process.stdout.write(`READY ${new URL(node.url).port}\n`);
process.on("SIGTERM", () => {
  node.stop().then(() => process.exit(0));
});
