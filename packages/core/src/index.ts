/**
 * juggle: Python's concurrency toolkit for TypeScript on Node.js.
 *
 * This entry point holds the async layer (asyncio), the pools (threading,
 * multiprocessing, concurrent.futures), tracing and the error classes.
 * Shared memory is in `juggle/shared-memory`, the Redis backend in
 * `juggle/distributed`.
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
  QueueShutDown,
  TimeoutError,
  WorkerCrashedError,
} from "./internal/errors.js";
