export { guardedLookup, isPublicUnicastAddress, type LookupRefusal } from "./address-guard.js";
export {
  type DiscoveredProfile,
  type DiscoveryOptions,
  discoverProfile,
  parseAddress,
  TXT_PREFIX,
} from "./discovery.js";
export {
  checkOutboundUrl,
  type OutboundUrlCheck,
  type OutboundUrlProblem,
} from "./outbound-url.js";
export {
  createSafeFetch,
  FetchError,
  type FetchErrorReason,
  type FetchInit,
  type RawResponse,
  type SafeFetch,
  type SafeFetchOptions,
} from "./safe-fetch.js";
