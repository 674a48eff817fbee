/**
 * juggle-core: Python's concurrency toolkit for TypeScript on Node.js.
 *
 * This entry point holds the async layer (asyncio), the pools (threading,
 * multiprocessing, concurrent.futures), tracing and the error classes.
 * Shared memory is in `juggle-core/shared-memory`, the backend API in
 * `juggle-core/executor`, the Redis backend in the `juggle-redis` package.
 *
 * @module
 */
export * from "./async/index.js";
export * from "./pool/index.js";
export * from "./trace/index.js";
export {
  BrokenBarrierError,
  CancelledError,
  ExecutorClosedError,
  JuggleAggregateError,
  JuggleError,
  type JuggleErrorCode,
  QueueShutDown,
  TimeoutError,
  WorkerCrashedError,
} from "./internal/errors.js";
