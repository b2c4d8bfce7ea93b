export { guardedLookup, isPublicUnicastAddress, type LookupRefusal } from "./address-guard.js";
export {
  type DiscoveredProfile,
  type DiscoveryOptions,
  discoverProfile,
  parseAddress,
  TXT_PREFIX,
} from "./discovery.js";
export {
  clampTtlMs,
  createOutboundLookup,
  createTxtResolver,
  DNS_FAILURE_TTL_MS,
  MAX_DNS_TTL_MS,
  MIN_DNS_TTL_MS,
  type OutboundDnsOptions,
  type TxtResolver,
} from "./dns-lookup.js";
export { createOutbound, type Outbound } from "./outbound.js";
export {
  checkOutboundUrl,
  type OutboundUrlCheck,
  type OutboundUrlProblem,
} from "./outbound-url.js";
export {
  createFreeBusyCache,
  type FreeBusy,
  type FreeBusyCache,
  fetchFreeBusy,
  MAX_FREEBUSY_TTL_SECONDS,
  PEER_MAX_BYTES,
  PEER_TIMEOUT_MS,
  type PeerResponse,
  type PostToPeerInput,
  parseFreeBusy,
  postToPeer,
} from "./peer-client.js";
export {
  createRemoteProfiles,
  FIRST_BACKOFF_MS,
  FORCED_REFRESH_INTERVAL_MS,
  type GetRemoteProfileOptions,
  MAX_BACKOFF_MS,
  MAX_PROFILE_TTL_MS,
  MIN_PROFILE_TTL_MS,
  profileTtlMs,
  type RemoteProfile,
  type RemoteProfiles,
  type RemoteProfilesDeps,
} from "./remote-profiles.js";
export {
  type BindRequesterDeps,
  type BindRequesterInput,
  type BoundRequester,
  bindRequester,
} from "./requester.js";
export {
  createSafeFetch,
  FetchError,
  type FetchErrorReason,
  type FetchInit,
  type RawResponse,
  type SafeFetch,
  type SafeFetchOptions,
} from "./safe-fetch.js";
