/** The executor interface on BullMQ and Redis (`juggle/distributed`). @module */
export { type Backoff, RedisPool, type RedisPoolOptions } from "./redis-pool.js";
export type { RedisMapOptions, RedisRunOptions } from "./keyed-calls.js";
export type { KeyLimitsOptions } from "./key-limits.js";
export { RedisWorker, type RedisWorkerOptions } from "./worker.js";
export { RedisUnreachableError, type RedisConnection } from "./connection.js";
export { DEFAULT_MAX_PAYLOAD_BYTES } from "./payload.js";
