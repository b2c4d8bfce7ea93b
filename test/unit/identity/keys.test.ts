import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deriveUserKey,
  ed25519PrivateJwkProblem,
  generateEd25519Jwk,
  jwkThumbprint,
  loadOrCreateOrgKey,
  ORG_KEY_FILE,
} from "../../../src/identity/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "calendario-keys-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("generateEd25519Jwk", () => {
  it("makes an Ed25519 key pair whose public half has no private member", async () => {
    const { privateJwk, publicJwk } = await generateEd25519Jwk();
    expect(ed25519PrivateJwkProblem(privateJwk)).toBeUndefined();
    expect(publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: privateJwk.x });
  });
});

describe("jwkThumbprint", () => {
  it("matches jose's RFC 7638 thumbprint for OKP and EC keys", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    expect(jwkThumbprint(publicJwk)).toBe(await calculateJwkThumbprint(publicJwk));
    const ec: JWK = {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    };
    expect(jwkThumbprint(ec)).toBe(await calculateJwkThumbprint(ec));
  });
});

describe("loadOrCreateOrgKey", () => {
  it("creates the key file with mode 0600 in a directory it creates with mode 0700", async () => {
    const dataDir = path.join(dir, "nested", "data");
    const key = await loadOrCreateOrgKey(dataDir);
    expect(ed25519PrivateJwkProblem(key)).toBeUndefined();
    expect((await stat(path.join(dataDir, ORG_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it("reuses the key on later calls", async () => {
    const first = await loadOrCreateOrgKey(dir);
    const again = await loadOrCreateOrgKey(dir);
    expect(again).toEqual(first);
    const onDisk = JSON.parse(await readFile(path.join(dir, ORG_KEY_FILE), "utf8"));
    expect(onDisk.d).toBe(first.d);
  });

  it("agrees on one key when several callers create it at once", async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateOrgKey(dir)));
    expect(new Set(keys.map((k) => k.d)).size).toBe(1);
  });

  it.each([
    ["not JSON", "{not json"],
    ["not an object", "[1]"],
    ["a P-256 key", JSON.stringify({ kty: "EC", crv: "P-256", x: "AA", y: "AA", d: "AA" })],
    [
      "a public key only",
      JSON.stringify({
        kty: "OKP",
        crv: "Ed25519",
        x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
      }),
    ],
    [
      "a key whose x does not match d",
      JSON.stringify({
        kty: "OKP",
        crv: "Ed25519",
        d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        x: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      }),
    ],
  ])("refuses a key file that is %s", async (_label, content) => {
    await writeFile(path.join(dir, ORG_KEY_FILE), content, { mode: 0o600 });
    await expect(loadOrCreateOrgKey(dir)).rejects.toThrow(/not a valid Ed25519 private JWK/);
  });
});

describe("deriveUserKey", () => {
  it("derives the same key for the same organization key and username", async () => {
    const { privateJwk } = await generateEd25519Jwk();
    expect(deriveUserKey(privateJwk, "jane")).toEqual(deriveUserKey({ ...privateJwk }, "jane"));
  });

  it("derives a valid Ed25519 key that differs by username and by organization", async () => {
    const org = await generateEd25519Jwk();
    const other = await generateEd25519Jwk();
    const jane = deriveUserKey(org.privateJwk, "jane");
    expect(ed25519PrivateJwkProblem(jane)).toBeUndefined();
    expect(deriveUserKey(org.privateJwk, "john").d).not.toBe(jane.d);
    expect(deriveUserKey(other.privateJwk, "jane").d).not.toBe(jane.d);
  });

  it("is a fixed function of the organization seed (known answer)", () => {
    const org: JWK = {
      kty: "OKP",
      crv: "Ed25519",
      d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
      x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    };
    expect(deriveUserKey(org, "jane")).toMatchInlineSnapshot(`
      {
        "crv": "Ed25519",
        "d": "bqyQ6jW0SzwdGZMB0plMrqK2w0w0w_lv_dPalKynLi8",
        "kty": "OKP",
        "x": "t5ribdEYna48INJwGa8wEFk-f5Fv_GtxzknyvYuWSaU",
      }
    `);
  });

  it("refuses a public key", async () => {
    const { publicJwk } = await generateEd25519Jwk();
    expect(() => deriveUserKey(publicJwk, "jane")).toThrow(/private key/);
  });
});
