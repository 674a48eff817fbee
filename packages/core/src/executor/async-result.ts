/**
 * `applyAsync` and its `AsyncResult`: Python's `Pool.apply_async`.
 *
 * @module
 */
import { JuggleError, TimeoutError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { checkFunction, checkMilliseconds, checkOptions } from "../internal/validate.js";
import type { ApplyOptions, AsyncResult, Executor, RunOptions } from "./executor.js";
import type { TaskFn, TaskRef } from "./task.js";

/**
 * The handle `applyAsync` returns: the task's outcome, waitable with a
 * timeout that does not cancel the task.
 *
 * Python: `multiprocessing.pool.AsyncResult`.
 */
class PoolAsyncResult<R> implements AsyncResult<R> {
  readonly #promise: Promise<R>;
  #state: "pending" | "ok" | "error" = "pending";

  constructor(promise: Promise<R>, callback?: (value: R) => void, errorCallback?: (error: unknown) => void) {
    this.#promise = promise;
    promise.then(
      (value) => {
        this.#state = "ok";
        if (callback !== undefined) report(callback, value);
      },
      (error: unknown) => {
        this.#state = "error";
        if (errorCallback !== undefined) report(errorCallback, error);
      },
    );
  }

  get(timeout?: number): Promise<R> {
    if (timeout === undefined) return this.#promise;
    const ms = checkMilliseconds("get result", "timeout", timeout, { allowInfinity: true });
    return new Promise<R>((resolve, reject) => {
      const timer = setLongTimeout(() => reject(new TimeoutError(`Timed out after ${ms} ms waiting for the result`)), ms);
      this.#promise.then(
        (value) => {
          clearLongTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearLongTimeout(timer);
          reject(error);
        },
      );
    });
  }

  wait(timeout?: number): Promise<void> {
    const settled = this.#promise.then(
      () => {},
      () => {},
    );
    if (timeout === undefined) return settled;
    const ms = checkMilliseconds("wait for result", "timeout", timeout, { allowInfinity: true });
    return new Promise<void>((resolve) => {
      const timer = setLongTimeout(resolve, ms);
      void settled.then(() => {
        clearLongTimeout(timer);
        resolve();
      });
    });
  }

  ready(): boolean {
    return this.#state !== "pending";
  }

  successful(): boolean {
    if (this.#state === "pending") {
      // Python raises ValueError here; a stable code lets callers tell it apart.
      throw new JuggleError("Cannot tell whether the task was successful as it has not finished", "ERR_JUGGLE_NOT_READY");
    }
    return this.#state === "ok";
  }
}

/** A callback's error must not vanish: it is rethrown on its own, like a listener's. */
function report<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * Runs `task(...args)` on `executor` and returns its {@link AsyncResult}.
 *
 * @internal
 */
export function applyAsync<F extends TaskFn, R>(
  executor: Executor,
  task: TaskRef<F>,
  args: Parameters<F>,
  options?: ApplyOptions<R>,
): AsyncResult<R> {
  const o = checkOptions<ApplyOptions<R>>("apply task", options);
  if (o.callback !== undefined) checkFunction("apply task", "callback", o.callback);
  if (o.errorCallback !== undefined) checkFunction("apply task", "errorCallback", o.errorCallback);
  const runOptions: RunOptions = { signal: o.signal, timeout: o.timeout, transfer: o.transfer };
  const promise = executor.run(task, args, runOptions) as Promise<R>;
  return new PoolAsyncResult(promise, o.callback, o.errorCallback);
}
