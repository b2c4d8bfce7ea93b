/**
 * A DID resolver over DID documents the test puts in a map by URL (a did:web document's
 * `https://host/.well-known/did.json`); any other URL is a 404, as from a web server.
 */
import type { DIDDocument } from "did-resolver";
import { ManualClock } from "../../src/clock.js";
import { createDidResolver, type DidResolver } from "../../src/identity/index.js";

export function resolverOverDocs(docs: Map<string, DIDDocument>, now: number): DidResolver {
  return createDidResolver({
    clock: new ManualClock(now),
    fetchJson: async (url) => {
      const doc = docs.get(url);
      if (!doc) throw Object.assign(new Error("HTTP 404"), { reason: "http_status", status: 404 });
      return structuredClone(doc);
    },
  });
}
