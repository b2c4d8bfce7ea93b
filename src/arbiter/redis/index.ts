export {
  type Client as RedisClient,
  type ConnectOptions as RedisConnectOptions,
  connectArbiterClient as connectRedis,
  redisAddress,
} from "./client.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
