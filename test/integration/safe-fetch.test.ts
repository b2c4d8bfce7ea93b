import http from "node:http";
import net, { type AddressInfo, type LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import {
  createSafeFetch,
  FetchError,
  isPublicUnicastAddress,
  type SafeFetchOptions,
} from "../../src/federation/index.js";
import { createDidResolver, DidResolutionError } from "../../src/identity/index.js";

interface TestServer {
  server: http.Server;
  port: number;
  origin: string;
  hits: string[];
}

/** A plain-http server on a free loopback port with the routes these tests need. */
async function startServer(): Promise<TestServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "http://x");
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case "/json":
        return json(200, { ok: true });
      case "/text":
        return res.end("this is not JSON");
      case "/status":
        return json(Number(url.searchParams.get("code")), { error: "nope" });
      case "/big":
        res.writeHead(200, { "content-length": 1_000_000 });
        return res.end(Buffer.alloc(1_000_000, 0x20));
      case "/big-chunked":
        res.writeHead(200);
        for (let i = 0; i < 100; i++) res.write(Buffer.alloc(10_000, 0x20));
        return res.end();
      case "/slow":
        return; // never answers
      case "/redirect":
        res.writeHead(Number(url.searchParams.get("status") ?? 302), {
          location: url.searchParams.get("to") ?? "/json",
        });
        return res.end();
      case "/.well-known/did.json":
        return json(200, { id: `did:web:127.0.0.1%3A${(server.address() as AddressInfo).port}` });
      case "/loop":
        res.writeHead(302, { location: "/loop" });
        return res.end();
      case "/echo": {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () =>
          json(200, {
            method: req.method,
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        return;
      }
      default:
        return json(404, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://127.0.0.1:${port}`, hits };
}

/** A lookup answering from a table, so tests name hosts without touching real DNS. */
function tableLookup(table: Record<string, string[]>): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean },
    callback: (...args: unknown[]) => void,
  ) => {
    const addresses = (table[hostname] ?? []).map((address) => ({
      address,
      family: net.isIP(address),
    }));
    if (addresses.length === 0)
      return callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
      );
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  }) as unknown as LookupFunction;
}

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error("expected the fetch to fail");
}

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startServer();
  b = await startServer();
});
afterAll(async () => {
  for (const s of [a, b]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

const insecure = (opts: SafeFetchOptions = {}) => createSafeFetch({ allowInsecure: true, ...opts });

describe("without CALENDARIO_ALLOW_INSECURE", () => {
  const strict = (opts: SafeFetchOptions = {}) =>
    createSafeFetch({ allowInsecure: false, ...opts });

  it("refuses plain-http and non-web URLs", async () => {
    expect((await failure(strict().fetchJson(`${a.origin}/json`))).reason).toBe("insecure_url");
    expect((await failure(strict().fetchJson("file:///etc/passwd"))).reason).toBe("insecure_url");
    expect((await failure(strict().fetchJson("not a url"))).reason).toBe("insecure_url");
  });

  it.each(["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "10.0.0.1", "169.254.169.254"])(
    "refuses the address literal %s",
    async (host) => {
      const err = await failure(strict().fetchJson(`https://${host}:${a.port}/json`));
      expect(err.reason).toBe("forbidden_address");
    },
  );

  it("refuses a name that resolves to loopback, checking the address it would connect to", async () => {
    const fetcher = strict({ lookup: tableLookup({ "rebind.test": ["127.0.0.1"] }) });
    const before = a.hits.length;
    expect((await failure(fetcher.fetchJson(`https://rebind.test:${a.port}/json`))).reason).toBe(
      "forbidden_address",
    );
    expect(a.hits.length).toBe(before);
  });

  it("refuses a name when any of its addresses is private", async () => {
    const fetcher = strict({
      lookup: tableLookup({ "mixed.test": ["93.184.215.14", "192.168.1.1"] }),
    });
    expect((await failure(fetcher.fetchJson("https://mixed.test/x"))).reason).toBe(
      "forbidden_address",
    );
  });

  it("answers network for a name that does not resolve", async () => {
    const fetcher = strict({ lookup: tableLookup({}) });
    expect((await failure(fetcher.fetchJson("https://nowhere.test/x"))).reason).toBe("network");
  });
});

describe("with CALENDARIO_ALLOW_INSECURE", () => {
  it("fetches JSON over plain http from loopback", async () => {
    expect(await insecure().fetchJson(`${a.origin}/json`)).toEqual({ ok: true });
  });

  it("returns any status from fetchRaw and throws http_status from fetchJson", async () => {
    const raw = await insecure().fetchRaw(`${a.origin}/status?code=500`);
    expect(raw.status).toBe(500);
    expect(JSON.parse(raw.body.toString())).toEqual({ error: "nope" });
    const err = await failure(insecure().fetchJson(`${a.origin}/status?code=404`));
    expect([err.reason, err.status]).toEqual(["http_status", 404]);
  });

  it("answers invalid_json for a body that is not JSON", async () => {
    expect((await failure(insecure().fetchJson(`${a.origin}/text`))).reason).toBe("invalid_json");
  });

  it("answers network when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect((await failure(insecure().fetchJson(`http://127.0.0.1:${port}/json`))).reason).toBe(
      "network",
    );
  });
});

describe("limits", () => {
  it("refuses a body over maxBytes, announced or streamed", async () => {
    const fetcher = insecure({ maxBytes: 64 * 1024 });
    expect((await failure(fetcher.fetchRaw(`${a.origin}/big`))).reason).toBe("too_large");
    expect((await failure(fetcher.fetchRaw(`${a.origin}/big-chunked`))).reason).toBe("too_large");
  });

  it("gives up after timeoutMs", async () => {
    const started = Date.now();
    const err = await failure(insecure({ timeoutMs: 200 }).fetchJson(`${a.origin}/slow`));
    expect(err.reason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("follows at most maxRedirects redirects", async () => {
    expect(await insecure().fetchJson(`${a.origin}/redirect?to=/json`)).toEqual({ ok: true });
    expect(
      (await failure(insecure({ maxRedirects: 2 }).fetchJson(`${a.origin}/loop`))).reason,
    ).toBe("too_many_redirects");
  });
});

describe("redirects", () => {
  // Only server a's exact address is allowed: the first hop passes, what follows is checked anew.
  const onlyFirstHop = (lookupTable: Record<string, string[]> = {}) =>
    insecure({
      isAllowedAddress: (address) => address === "127.0.0.1",
      lookup: tableLookup({ "a.test": ["127.0.0.1"], ...lookupTable }),
    });

  it("checks the address again on every hop: a redirect to another loopback address is refused", async () => {
    const to = encodeURIComponent(`http://127.0.0.2:${a.port}/json`);
    const err = await failure(onlyFirstHop().fetchJson(`${a.origin}/redirect?to=${to}`));
    expect(err.reason).toBe("forbidden_address");
  });

  it("refuses a redirect to a name that resolves to a forbidden address", async () => {
    const to = encodeURIComponent(`http://inside.test:${a.port}/json`);
    const fetcher = onlyFirstHop({ "inside.test": ["::1"] });
    expect(
      (await failure(fetcher.fetchJson(`http://a.test:${a.port}/redirect?to=${to}`))).reason,
    ).toBe("forbidden_address");
  });

  it("refuses a redirect to a scheme other than http(s)", async () => {
    const to = encodeURIComponent("file:///etc/passwd");
    expect((await failure(insecure().fetchJson(`${a.origin}/redirect?to=${to}`))).reason).toBe(
      "insecure_url",
    );
  });

  it("turns a POST into a GET on 303 and keeps it on 307", async () => {
    const post = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"x":1}',
    };
    const see = await insecure().fetchJson(`${a.origin}/redirect?status=303&to=/echo`, post);
    expect(see).toMatchObject({ method: "GET", body: "" });
    const keep = await insecure().fetchJson(`${a.origin}/redirect?status=307&to=/echo`, post);
    expect(keep).toMatchObject({ method: "POST", body: '{"x":1}' });
  });

  it("drops Authorization when a redirect leaves the origin", async () => {
    const headers = { authorization: "Bearer secret" };
    const same = (await insecure().fetchJson(`${a.origin}/redirect?to=/echo`, { headers })) as {
      headers: Record<string, string>;
    };
    expect(same.headers.authorization).toBe("Bearer secret");
    const to = encodeURIComponent(`${b.origin}/echo`);
    const other = (await insecure().fetchJson(`${a.origin}/redirect?to=${to}`, { headers })) as {
      headers: Record<string, string>;
    };
    expect(other.headers.authorization).toBeUndefined();
  });
});

describe("did:web through the safe fetch", () => {
  it("falls back from https to plain http for a local node only when insecure use is allowed", async () => {
    const did = `did:web:127.0.0.1%3A${a.port}`;
    const local = createDidResolver({
      fetchJson: insecure().fetchJson,
      clock: new ManualClock(0),
      allowInsecure: true,
    });
    expect((await local.resolve(did)).id).toBe(did);
    const production = createDidResolver({
      fetchJson: createSafeFetch({ allowInsecure: false }).fetchJson,
      clock: new ManualClock(0),
    });
    await expect(production.resolve(did)).rejects.toThrow(DidResolutionError);
  });
});

describe("isPublicUnicastAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "not-an-ip",
  ])("refuses %s", (address) => {
    expect(isPublicUnicastAddress(address)).toBe(false);
  });

  it.each(["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "admits %s",
    (address) => {
      expect(isPublicUnicastAddress(address)).toBe(true);
    },
  );
});
