/** A node whose cluster seeds all fail to answer stops at start, saying so, without secrets. */
import net from "node:net";
import { expect, it } from "vitest";
import { connectRedis } from "../../../src/arbiter/index.js";

/** A port nothing listens on: bound to 0, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it("refuses to start when no seed of the cluster answers, and names no password", async () => {
  const seed = `redis://user:s3cret-pass@127.0.0.1:${await closedPort()}`;
  const failure = await connectRedis({ clusterNodes: [seed] }, 1000).then(
    () => undefined,
    (err: Error) => err,
  );
  expect(failure?.message).toMatch(/^cannot reach the Redis Cluster: /);
  expect(failure?.message).not.toContain("s3cret-pass");
});
