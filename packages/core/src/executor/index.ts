/**
 * The backend API: what a new executor backend builds on (`juggle-core/executor`).
 *
 * `ThreadPool`, `ProcessPool`, `InlineExecutor` and the Redis package's
 * `RedisPool` are peers on this seam: each extends {@link BaseExecutor}, which
 * holds the queue, `map` streaming, chunk sizes, timeouts, cancellation,
 * counters, tracing and the life cycle, and moves {@link Job}s to whatever
 * runs them. The far side (a worker thread, a child process, a Redis worker)
 * resolves a task reference with {@link resolveTask} and runs a job's payload
 * with {@link runPayload} (a backend that imports task modules itself checks each
 * with {@link checkTypeStripping} first); errors cross the boundary with
 * {@link serializeError} / {@link deserializeError}, rebuilt as their class
 * when it is registered with {@link registerErrorClass}.
 *
 * docs/backends.md walks through a complete backend. Everything a user of an
 * executor needs (task references, `taskSignal`, the error classes, option
 * types) is in `juggle-core`.
 *
 * @module
 */
// The contract: the base class, the job it hands over, and the job kinds.
export { BaseExecutor, type BaseExecutorOptions, Job, KIND_CALL, KIND_MAP, KIND_STARMAP } from "./base-executor.js";
// The far side: resolving and running a task.
export { callWithLazySignal, resolveTask, type SignalSource } from "./task.js";
export { runPayload } from "./run-payload.js";
export { checkTypeStripping } from "./type-stripping.js";
export { moduleUrl, type ModuleUrlOptions } from "../internal/module-url.js";
export { isThenable } from "../internal/thenable.js";
// Errors across the boundary.
export {
  deserializeError,
  type ErrorClass,
  isSerializedError,
  registerErrorClass,
  type SerializedError,
  serializeError,
} from "../internal/errors.js";
// Checking a backend's own options in the house style.
export { checkChunksize } from "./chunksize.js";
export { checkInteger, checkMilliseconds, checkOptions, describe, given, type IntegerBounds } from "../internal/validate.js";
/** Timers for any finite delay (Node clamps `setTimeout` beyond 2^31 − 1 ms to 1 ms): use them for every user-given duration. */
export { clearLongTimeout, type LongTimeout, setLongTimeout, TIMER_MAX } from "../internal/long-timer.js";
