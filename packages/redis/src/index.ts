/** The executor interface on BullMQ and Redis (`juggle/distributed`). @module */
export { RedisPool, type RedisPoolOptions, type Backoff } from "./redis-pool.js";
export { RedisWorker, type RedisWorkerOptions } from "./worker.js";
export { RedisUnreachableError, type RedisConnection } from "./connection.js";
export { DEFAULT_MAX_PAYLOAD_BYTES } from "./payload.js";
