export { type Client as RedisClient, connectArbiterClient as connectRedis } from "./client.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
