export {
  hashAgentKey,
  ID_RE,
  type IdPrefix,
  newAgentKey,
  newId,
  tokenDigest,
} from "./ids.js";
export { MemoryStore } from "./memory/memory-store.js";
export {
  assertOneSlot,
  CrossSlotError,
  connectRedis,
  isCluster,
  keySlot,
  type RedisClient,
  type RedisConnectOptions,
  RedisStore,
  type RedisTarget,
  redisAddress,
  sendKeyed,
} from "./redis/index.js";
export { calendarKeys, userKey } from "./redis/keys.js";
export type * from "./store.js";
export type * from "./types.js";
export { MAX_SPAN_MS } from "./types.js";
