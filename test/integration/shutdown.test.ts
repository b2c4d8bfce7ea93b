/** drainAndClose on a real HTTP server: requests in flight finish; the bound holds. */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { drainAndClose } from "../../src/shutdown.js";

let server: Server;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function serve(handlerMs: number): Promise<string> {
  server = createServer((_req, res) => {
    setTimeout(() => res.end("done"), handlerMs);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

it("lets a request in flight finish, then closes the parts", async () => {
  const url = await serve(500);
  const answer = fetch(url).then((r) => r.text());
  await sleep(100);
  let destroyed = false;
  const outcome = await drainAndClose({
    servers: [server],
    timeoutMs: 5000,
    destroy: async () => {
      destroyed = true;
    },
    forceClose: () => {},
  });
  expect(await answer).toBe("done");
  expect(outcome).toMatchObject({ cutOff: false, forced: false });
  expect(destroyed).toBe(true);
});

it("cuts off what is still in flight and forces a hung close at the bound", async () => {
  const url = await serve(60_000);
  const answer = fetch(url).then(
    () => "answered",
    () => "cut off",
  );
  await sleep(100);
  let forced = false;
  const started = performance.now();
  const outcome = await drainAndClose({
    servers: [server],
    timeoutMs: 1000,
    destroy: () => new Promise(() => {}), // a frozen Redis: close() never returns
    forceClose: () => {
      forced = true;
    },
  });
  const ms = performance.now() - started;
  expect(ms).toBeGreaterThanOrEqual(950);
  expect(ms).toBeLessThan(2500);
  expect(outcome).toMatchObject({ cutOff: true, forced: true });
  expect(forced).toBe(true);
  expect(await answer).toBe("cut off");
});

it("fails when a part fails to close, after closing the rest", async () => {
  await serve(0);
  await expect(
    drainAndClose({
      servers: [server],
      timeoutMs: 1000,
      destroy: async () => {
        throw new Error("store close failed");
      },
      forceClose: () => {},
    }),
  ).rejects.toThrow("store close failed");
});
