import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverProfile, parseAddress } from "../../../src/federation/index.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";

let dns: TestDnsServer;
const opts = () => ({ dnsServers: [{ host: "127.0.0.1", port: dns.port }], timeoutMs: 1000 });

beforeAll(async () => {
  dns = await startDnsServer({
    "_calendario.acme.example": ["calendario=/cal"],
    "apex.example": ["v=spf1 -all", "calendario=https://host.example/profiles/"],
    "_calendario.split.example": [["calendario=https://host.exa", "mple/split"]],
    "_calendario.two.example": ["calendario=/a", "calendario=/b"],
    "_calendario.bad.example": ["calendario=ftp://host.example/x"],
    "_calendario.plain.example": ["calendario=http://host.example/x"],
  });
});
afterAll(() => dns.close());

describe("discoverProfile (DNS TXT over UDP on loopback)", () => {
  it("uses a path record at _calendario.<domain> on the domain itself", async () => {
    expect(await discoverProfile("jane@acme.example", opts())).toMatchObject({
      profileUrl: "https://acme.example/cal/jane",
      via: "txt",
      txtName: "_calendario.acme.example",
    });
  });

  it("falls back to the domain's own TXT records and follows an https delegation", async () => {
    expect(await discoverProfile("jane@apex.example", opts())).toMatchObject({
      profileUrl: "https://host.example/profiles/jane",
      txtName: "apex.example",
    });
  });

  it("joins a record's character-strings", async () => {
    expect((await discoverProfile("jane@split.example", opts()))?.profileUrl).toBe(
      "https://host.example/split/jane",
    );
  });

  it("ignores several matching records, non-https and missing records: default path", async () => {
    for (const domain of ["two.example", "bad.example", "plain.example", "none.example"]) {
      expect(await discoverProfile(`jane@${domain}`, opts())).toMatchObject({
        via: "default",
        profileUrl: `https://${domain}/.well-known/calendario/jane`,
      });
    }
  });

  it("answers 'not found' (the default) when DNS does not answer", async () => {
    const dead = { dnsServers: [{ host: "127.0.0.1", port: 9 }], timeoutMs: 200 };
    expect((await discoverProfile("jane@acme.example", dead))?.via).toBe("default");
  });

  it("parses addresses and refuses malformed ones", () => {
    expect(parseAddress("Jane@Acme.Example")).toEqual({ username: "jane", domain: "acme.example" });
    expect(parseAddress("jane@localhost:8080")).toEqual({
      username: "jane",
      domain: "localhost:8080",
    });
    for (const bad of [
      "jane",
      "@acme.example",
      "jane@",
      "ja ne@acme.example",
      "jane@acme..example/x",
    ])
      expect(parseAddress(bad)).toBeUndefined();
  });
});
