export {
  type Client as RedisClient,
  type ConnectOptions as RedisConnectOptions,
  connectArbiterClient as connectRedis,
  isCluster,
  type RedisTarget,
  redisAddress,
  sendKeyed,
} from "./client.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
export { assertOneSlot, CrossSlotError, keySlot } from "./slots.js";
