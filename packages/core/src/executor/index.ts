/**
 * The backend API: what a new executor backend builds on (`juggle-core/executor`).
 *
 * `ThreadPool`, `ProcessPool`, `InlineExecutor` and the Redis package's
 * `RedisPool` are peers on this seam: each extends {@link BaseExecutor}, which
 * holds the queue, `map` streaming, chunk sizes, timeouts, cancellation,
 * counters, tracing and the life cycle, and moves {@link Job}s to whatever
 * runs them. The far side (a worker thread, a child process, a Redis worker)
 * resolves a task reference with {@link resolveTask} and runs a job's payload
 * with {@link runPayload}; errors cross the boundary with
 * {@link serializeError} / {@link deserializeError}.
 *
 * docs/backends.md walks through a complete backend.
 *
 * @module
 */
export { BaseExecutor, type BaseExecutorOptions, Job, KIND_CALL, KIND_MAP, KIND_STARMAP } from "./base-executor.js";
export { checkChunksize, defaultChunksize } from "./chunksize.js";
export { callChunk, callWithLazySignal, callWithSignal, resolveTask, type SignalSource } from "./task.js";
export { isThenable, runPayload } from "./run-payload.js";
export { deserializeError, isSerializedError, type SerializedError, serializeError } from "../internal/errors.js";
export { checkInteger, checkMilliseconds, checkOptions, describe, given } from "../internal/validate.js";
/** Timers for any finite delay (Node clamps `setTimeout` beyond 2^31 − 1 ms to 1 ms): use them for every user-given duration. */
export { clearLongTimeout, type LongTimeout, setLongTimeout, TIMER_MAX } from "../internal/long-timer.js";
