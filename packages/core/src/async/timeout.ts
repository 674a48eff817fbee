/**
 * A time limit on a piece of work that also stops the work.
 *
 * @module
 */
import { TimeoutError } from "../internal/errors.js";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { isThenable } from "../internal/thenable.js";
import { checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";

/** Work for {@link timeout}: a promise, or a function that starts the work and stops it when its signal aborts. */
export type Work<T> = PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>);

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** An outer cancellation: aborting it aborts the work and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Runs `work` with a time limit. When `ms` runs out first, the returned
 * promise rejects with a {@link TimeoutError} and the work's `AbortSignal`
 * aborts with that same error, so the work really stops (when it listens to
 * its signal) instead of running on unseen. A plain promise cannot be
 * stopped: it is only left behind (its later rejection is handled).
 *
 * The timer is cleared as soon as the work settles.
 *
 * Python: `asyncio.timeout(delay)` / `asyncio.wait_for(aw, timeout)`.
 *
 * @param ms The limit in milliseconds (0 or more, or `Infinity` for none).
 * @param work A promise, or a function `(signal) => promise` that should stop when `signal` aborts.
 * @param options `{ signal }` for an outer cancellation.
 * @returns The work's result.
 * @throws {TimeoutError} (as a rejection) When the time runs out.
 * @throws {TypeError} When `work` is neither a promise nor a function, or `ms` is not a number.
 * @throws {RangeError} When `ms` is negative or NaN.
 *
 * @example Give a request two seconds
 * ```ts
 * import { timeout, TimeoutError } from "juggle-core";
 *
 * try {
 *   const response = await timeout(2000, (signal) => fetch("http://127.0.0.1:8080/", { signal }));
 *   console.log(response.status);
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log("too slow, and the request was aborted");
 * }
 * ```
 */
export function timeout<T>(ms: number, work: Work<T>, options?: TimeoutOptions): Promise<Awaited<T>> {
  checkMilliseconds("run with a timeout", "ms", ms, { allowInfinity: true });
  if (typeof work !== "function" && !isThenable(work)) {
    throw new TypeError(
      `Cannot run with a timeout as 'work' must be a promise or a function: received ${describe(work)}`,
    );
  }
  const signal = checkSignal("run with a timeout", checkOptions<TimeoutOptions>("run with a timeout", options).signal);
  if (signal?.aborted) return Promise.reject(signal.reason);

  const controller = ownedController();
  return new Promise<Awaited<T>>((resolve, reject) => {
    let done = false;
    let timer: LongTimeout | undefined;
    let unlisten: () => void = noop;
    const stop = (reason: unknown): void => {
      if (done) return;
      done = true;
      clearLongTimeout(timer);
      unlisten();
      controller.abort(reason);
      reject(reason);
    };
    if (ms !== Number.POSITIVE_INFINITY) {
      timer = setLongTimeout(() => stop(new TimeoutError(`Timed out after ${ms} ms`)), ms);
    }
    unlisten = listenAbort(signal, stop);

    let pending: PromiseLike<T> | T;
    try {
      pending = typeof work === "function" ? work(controller.signal) : work;
    } catch (error) {
      stop(error);
      return;
    }
    Promise.resolve(pending).then(
      (value) => {
        if (done) return;
        done = true;
        clearLongTimeout(timer);
        unlisten();
        resolve(value as Awaited<T>);
      },
      (error: unknown) => {
        // After a timeout the work usually rejects with the abort reason:
        // that rejection is expected and handled here.
        if (done) return;
        done = true;
        clearLongTimeout(timer);
        unlisten();
        reject(error);
      },
    );
  });
}

/**
 * {@link timeout} with Python's argument order: the work first, then the limit.
 *
 * Python: `asyncio.wait_for(aw, timeout)`.
 *
 * @example
 * ```ts
 * import { sleep, waitFor } from "juggle-core";
 *
 * await waitFor((signal) => sleep(10, { signal }), 1000);
 * ```
 */
export function waitFor<T>(work: Work<T>, ms: number, options?: TimeoutOptions): Promise<Awaited<T>> {
  return timeout(ms, work, options);
}

function noop(): void {}
