/**
 * lib/canonical.lua, run inside a real redis-server and checked against the `canonicalize`
 * package; plus the --@include assembly of lua-lib.ts.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import canonicalizeModule from "canonicalize";
import fc from "fast-check";
import { RESP_TYPES } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleLua, LUA_DIR, loadLuaScript } from "../../../src/arbiter/redis/lua-lib.js";
import {
  type RedisServer,
  startRedisServer,
  type TestRedisClient,
} from "../../helpers/redis-server.js";

// The package's types declare an ES default export, its code is CommonJS `module.exports =`.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** ARGV: triples (kind, key, value); kind "s" string, "i" integer, "j" canonical JSON text. */
const JCS_OBJECT_SCRIPT = assembleLua(`--@include lib/canonical.lua
local fields = {}
for i = 1, #ARGV, 3 do
  local kind, key, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local encoded = value
  if kind == "s" then
    encoded = jcs_string(value)
  elseif kind == "i" then
    encoded = jcs_int(tonumber(value))
  end
  fields[#fields + 1] = { key, encoded }
end
return jcs_object(fields)
`);

const JCS_STRING_SCRIPT = assembleLua("--@include lib/canonical.lua\nreturn jcs_string(ARGV[1])\n");
const JCS_INT_SCRIPT = assembleLua(
  "--@include lib/canonical.lua\nreturn jcs_int(tonumber(ARGV[1]) or ARGV[1])\n",
);
/** An audit event's text, as the arbiter scripts build it (the node hashes and seals it). */
const AUDIT_SCRIPT = assembleLua(`--@include lib/canonical.lua
--@include lib/canonical.lua
local body = jcs_object({
  { "seq", jcs_int(tonumber(ARGV[1])) },
  { "actor", jcs_string(ARGV[2]) },
  { "data", ARGV[3] },
  { "prev_hash", jcs_string(ARGV[4]) },
})
return body
`);

type BinaryClient = ReturnType<typeof withBuffers>;
function withBuffers(client: TestRedisClient) {
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

let server: RedisServer;
let client: TestRedisClient;
let binary: BinaryClient;
const shas = new Map<string, string>();

beforeAll(async () => {
  server = await startRedisServer({ connect: true });
  client = server.client!;
  binary = withBuffers(client);
  for (const script of [JCS_OBJECT_SCRIPT, JCS_STRING_SCRIPT, JCS_INT_SCRIPT, AUDIT_SCRIPT]) {
    shas.set(script, await client.scriptLoad(script));
  }
});

afterAll(async () => {
  await server?.stop();
});

/** EVALSHA, replies as Buffers (byte-exact). */
async function run(script: string, args: Array<Buffer | string>): Promise<unknown> {
  return binary.evalSha(shas.get(script)!, { arguments: args });
}

async function luaText(script: string, args: Array<Buffer | string>): Promise<string> {
  return ((await run(script, args)) as Buffer).toString("utf8");
}

/** Valid UTF-16 strings only: lone surrogates cannot travel as UTF-8. */
const specialChar = fc.constantFrom(
  '"',
  "\\",
  "/",
  "\u0000",
  "\b",
  "\t",
  "\n",
  "\u000b",
  "\f",
  "\r",
  "\u001f",
  "\u007f",
  "\u0080",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\uffff",
  "é",
  "😀",
  "👩‍👩‍👧",
  "a",
  " ",
);
const stringValue = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.array(specialChar, { maxLength: 20 }).map((chars) => chars.join("")),
);
const integerValue = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
);
const asciiKey = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 10 }),
  fc.constantFrom("a", "A", "_", "b", "aa", "a b", "__proto__", "toJSON", "1", "10", "2", ""),
);

type Field =
  | { kind: "s"; value: string }
  | { kind: "i"; value: number }
  | { kind: "j"; value: unknown };
const field: fc.Arbitrary<Field> = fc.oneof(
  stringValue.map((value) => ({ kind: "s" as const, value })),
  integerValue.map((value) => ({ kind: "i" as const, value })),
  fc.jsonValue({ maxDepth: 2 }).map((value) => ({ kind: "j" as const, value })),
);

function intArg(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

describe("canonical JSON helpers inside Redis", () => {
  it("jcs_object/jcs_string/jcs_int equal canonicalize() on random objects", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(asciiKey, field), { selector: ([key]) => key, maxLength: 12 }),
        async (entries) => {
          const args: string[] = [];
          for (const [key, f] of entries) {
            const arg =
              f.kind === "s" ? f.value : f.kind === "i" ? intArg(f.value) : canonicalize(f.value)!;
            args.push(f.kind, key, arg);
          }
          const expected = canonicalize(Object.fromEntries(entries.map(([k, f]) => [k, f.value])));
          expect(await luaText(JCS_OBJECT_SCRIPT, args)).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("jcs_string escapes exactly like JSON.stringify", async () => {
    const all = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)).join("");
    for (const text of [all, "", "/", 'a/b\\c"d', "\u2028\u2029", "😀é日"]) {
      expect(await luaText(JCS_STRING_SCRIPT, [text])).toBe(JSON.stringify(text));
    }
    await fc.assert(
      fc.asyncProperty(stringValue, async (text) => {
        expect(await luaText(JCS_STRING_SCRIPT, [text])).toBe(JSON.stringify(text));
      }),
      { numRuns: 300 },
    );
  });

  it("jcs_string accepts exactly the well-formed UTF-8 byte strings", async () => {
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const invalid = [
      [0x80],
      [0xbf],
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf],
      [0xe0, 0x80, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // UTF-16 surrogate D800
      [0xed, 0xbf, 0xbf],
      [0xf0, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0x61, 0xc3], // truncated at the end
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xe2, 0x28, 0xa1],
    ];
    for (const bytes of invalid) {
      await expect(run(JCS_STRING_SCRIPT, [Buffer.from(bytes)])).rejects.toThrow(/invalid UTF-8/);
    }
    // Mostly-valid random bytes: the Lua check must agree with a strict decoder.
    const chunk = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 4 }).map((s) => [...Buffer.from(s, "utf8")]),
      fc.uint8Array({ maxLength: 3 }).map((b) => [...b]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 6 }), async (chunks) => {
        const bytes = Buffer.from(chunks.flat());
        let text: string | undefined;
        try {
          text = decoder.decode(bytes);
        } catch {
          text = undefined;
        }
        if (text === undefined) {
          await expect(run(JCS_STRING_SCRIPT, [bytes])).rejects.toThrow(/invalid UTF-8/);
        } else {
          expect(await luaText(JCS_STRING_SCRIPT, [bytes])).toBe(JSON.stringify(text));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("jcs_int prints integers up to 2^53 and refuses everything else", async () => {
    await fc.assert(
      fc.asyncProperty(integerValue, async (n) => {
        expect(await luaText(JCS_INT_SCRIPT, [intArg(n)])).toBe(canonicalize(n));
      }),
      { numRuns: 300 },
    );
    for (const bad of [
      "1.5",
      "-0.25",
      "9007199254740994",
      "-9007199254740994",
      "1e300",
      "inf",
      "-inf",
      "nan",
      "x",
    ]) {
      await expect(run(JCS_INT_SCRIPT, [bad]), bad).rejects.toThrow(/jcs_int/);
    }
  });

  it("jcs_object refuses non-ASCII and duplicate keys and non-JSON values", async () => {
    await expect(run(JCS_OBJECT_SCRIPT, ["i", "clé", "1"])).rejects.toThrow(/ASCII/);
    await expect(run(JCS_OBJECT_SCRIPT, ["i", "a", "1", "s", "a", "x"])).rejects.toThrow(
      /duplicate/,
    );
    await expect(
      run(JCS_OBJECT_SCRIPT, ["i", "b", "1", "i", "a", "1", "s", "b", "x"]),
    ).rejects.toThrow(/duplicate/);
    await expect(run(JCS_OBJECT_SCRIPT, ["j", "a", ""])).rejects.toThrow(/encoded JSON/);
    expect(await luaText(JCS_OBJECT_SCRIPT, [])).toBe("{}");
  });

  it("builds an audit-style event text like the TypeScript side", async () => {
    const data = { booking_id: "bk_1", note: 'x"/\n😀', n: -3 };
    const prev = "0".repeat(64);
    const text = await luaText(AUDIT_SCRIPT, ["42", "agent:é", canonicalize(data)!, prev]);
    expect(text).toBe(canonicalize({ seq: 42, actor: "agent:é", data, prev_hash: prev }));
  });
});

describe("Lua script assembly", () => {
  it("includes each file once, recursively, relative to the Lua folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "calendario-lua-"));
    try {
      await mkdir(path.join(dir, "lib"));
      await writeFile(path.join(dir, "lib", "a.lua"), "--@include lib/b.lua\nlocal a = 1\n");
      await writeFile(path.join(dir, "lib", "b.lua"), "--@include lib/a.lua\nlocal b = 2\n");
      const out = assembleLua("--@include lib/a.lua\n  --@include lib/b.lua  \nreturn a + b", {
        luaDir: dir,
      });
      expect(out.split("\n")).toEqual([
        "-- >>> lib/a.lua",
        "-- >>> lib/b.lua",
        "-- (lib/a.lua already included)",
        "local b = 2",
        "-- <<< lib/b.lua",
        "local a = 1",
        "-- <<< lib/a.lua",
        "-- (lib/b.lua already included)",
        "return a + b",
      ]);
      expect(() => assembleLua("--@include lib/missing.lua", { luaDir: dir })).toThrow(
        /<inline>:1: include "lib\/missing.lua" not found/,
      );
      expect(() => assembleLua("--@include ../x.lua", { luaDir: dir })).toThrow(/outside/);
      expect(() => assembleLua("--@include lib/a.txt", { luaDir: dir })).toThrow(/not a .lua/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("assembles every arbiter script with no include left and each library once", async () => {
    const names = (await readdir(LUA_DIR)).filter((f) => f.endsWith(".lua"));
    for (const name of names) {
      const script = loadLuaScript(name.replace(/\.lua$/, ""));
      expect(script, name).not.toMatch(/^[ \t]*--@include/m);
      for (const lib of ["lib/canonical.lua"]) {
        expect(script.split(`-- >>> ${lib}\n`).length, `${name}: ${lib}`).toBeLessThanOrEqual(2);
      }
    }
    expect(() => loadLuaScript("no-such-script")).toThrow(/not found/);
  });
});

describe("startRedisServer", () => {
  it("restarts an empty server on the same port and the client reconnects", async () => {
    const other = await startRedisServer({ connect: true });
    try {
      const c = other.client!;
      expect(other.url).toBe(`redis://127.0.0.1:${other.port}`);
      expect(other.port).not.toBe(server.port);
      await c.set("k", "v");
      const pid = Number(/process_id:(\d+)/.exec(await c.info("server"))![1]);
      await other.restart();
      let info = "";
      for (let i = 0; i < 100 && !info; i++) {
        info = await c.info("server").catch(() => "");
        if (!info) await new Promise((r) => setTimeout(r, 50));
      }
      expect(Number(/process_id:(\d+)/.exec(info)![1])).not.toBe(pid);
      expect(info).toContain(`tcp_port:${other.port}`);
      expect(await c.get("k")).toBeNull(); // no persistence
    } finally {
      await other.stop();
      await other.stop(); // idempotent
    }
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ port: other.port, host: "127.0.0.1" });
        s.once("connect", () => {
          s.destroy();
          resolve("open");
        });
        s.once("error", reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
