export {
  type Client as RedisClient,
  connectArbiterClient as connectRedis,
  isCluster,
  type RedisTarget,
  sendKeyed,
} from "./client.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
export { assertOneSlot, CrossSlotError, keySlot } from "./slots.js";
