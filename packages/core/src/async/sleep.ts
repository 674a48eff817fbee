/**
 * An abortable pause.
 *
 * @module
 */
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort } from "../internal/signal.js";
import { checkMilliseconds, checkOptions, checkSignal } from "../internal/validate.js";

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Aborting it cancels the sleep: the promise rejects with `signal.reason` and the timer is cleared. */
  signal?: AbortSignal;
}

/**
 * Resolves after `ms` milliseconds. Aborting `signal` clears the timer at once
 * and rejects with `signal.reason`, so a cancelled sleep holds no timer and
 * keeps no process alive.
 *
 * Python: `asyncio.sleep(delay)`.
 *
 * @param ms How long to wait, in milliseconds (0 or more).
 * @param options `{ signal }` to cancel the sleep.
 * @throws {TypeError} When `ms` is not a number or `signal` not an AbortSignal.
 * @throws {RangeError} When `ms` is negative, NaN or infinite.
 *
 * @example Sleep, or stop early
 * ```ts
 * import { sleep } from "juggle-core";
 *
 * await sleep(10);
 * const controller = new AbortController();
 * const pending = sleep(60_000, { signal: controller.signal });
 * controller.abort(new Error("no more waiting"));
 * await pending.catch((error) => console.log(error.message)); // "no more waiting"
 * ```
 */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  checkMilliseconds("sleep", "ms", ms);
  const signal = checkSignal("sleep", checkOptions<SleepOptions>("sleep", options).signal);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let unlisten: () => void = noop;
    const timer = setLongTimeout(() => {
      unlisten();
      resolve();
    }, ms);
    unlisten = listenAbort(signal, (reason) => {
      clearLongTimeout(timer);
      reject(reason);
    });
  });
}

function noop(): void {}
