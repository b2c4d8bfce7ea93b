/**
 * Outbound requests to peers, DID documents and webhook receivers go only to public
 * addresses. The check lives in the DNS lookup the socket uses, so the address checked
 * is the address connected to (no rebinding gap).
 */
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";

export { isPublicUnicastAddress } from "./special-addresses.js";

/** Why a guarded lookup refused, for the caller to turn into its own error. */
export type LookupRefusal = "forbidden_address" | "network";

/**
 * Wraps `base` so that a name resolving to any address `isAllowed` refuses fails, with
 * the error `refuse` builds.
 */
export function guardedLookup(
  base: LookupFunction,
  isAllowed: (address: string) => boolean,
  refuse: (reason: LookupRefusal, message: string) => Error,
): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, "", 0);
      const addresses = (
        Array.isArray(result) ? result : [{ address: result, family: 0 }]
      ) as LookupAddress[];
      const refused = addresses.find((a) => !isAllowed(a.address));
      if (refused)
        return callback(
          refuse(
            "forbidden_address",
            `${hostname} resolves to ${refused.address}, which is not a public address`,
          ),
          "",
          0,
        );
      const first = addresses[0];
      if (!first) return callback(refuse("network", `${hostname} has no address`), "", 0);
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
