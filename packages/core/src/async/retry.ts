/**
 * `retry`: run again after a failure, with exponential backoff and full
 * jitter, honouring a server's Retry-After.
 *
 * Full jitter (a random delay between 0 and the exponential cap, as in the
 * AWS Architecture Blog's "Exponential Backoff And Jitter") spreads the
 * retries of many clients that failed together, where plain exponential
 * backoff makes them all come back at the same instant.
 *
 * @module
 */
import { checkFunction, checkInteger, checkMilliseconds, checkOptions, checkSignal, describe, given } from "../internal/validate.js";
import { sleep } from "./sleep.js";

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Retries after the first attempt: a non-negative integer or `Infinity`. Default 3. */
  retries?: number;
  /** The first retry's delay cap in ms; each retry doubles it. Default 100. */
  backoff?: number;
  /** The largest backoff delay in ms (a `retryAfter` from the error is not capped). Default 30,000. */
  maxDelay?: number;
  /** `true` (default): a random delay in [0, cap) ("full jitter"); `false`: exactly the cap. */
  jitter?: boolean;
  /**
   * Whether to retry after `error` (the attempt that failed is `attempt`,
   * from 1). Default: every error. An abort of `signal` is never retried.
   */
  retryIf?: (error: unknown, attempt: number) => boolean | PromiseLike<boolean>;
  /** Aborting it stops waiting and retrying: `retry` rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Calls `fn(attempt, signal)` until it succeeds, at most `retries + 1` times.
 * Before retry n it waits a random delay below
 * `min(maxDelay, backoff * 2^(n-1))`; when the error has a `retryAfter`
 * property (milliseconds, a finite number >= 0, as set from a `Retry-After`
 * header with {@link parseRetryAfter}), that delay wins. When no retry is
 * left, or `retryIf` says no, it rejects with the last error.
 *
 * Python: no stdlib equivalent (the `tenacity` and `backoff` packages).
 * p-retry: `pRetry(fn, { retries })`, whose delays have no Retry-After.
 *
 * @param fn The work; `attempt` counts from 1.
 * @returns What `fn` returns on its first success.
 * @throws {TypeError} (as a rejection) When `fn` or an option has the wrong type.
 * @throws {RangeError} (as a rejection) When `retries`, `backoff` or `maxDelay` is out of range.
 *
 * @example Retry on a 429, waiting as long as the server asks
 * ```ts
 * import { parseRetryAfter, retry } from "juggle-core";
 *
 * let calls = 0;
 * const body = await retry(
 *   async (attempt) => {
 *     calls++;
 *     // stands for: const response = await fetch(url, { signal }); if (response.status === 429) …
 *     if (attempt < 3) {
 *       throw Object.assign(new Error("HTTP 429"), { retryAfter: parseRetryAfter("0") });
 *     }
 *     return "ok";
 *   },
 *   { retries: 5, backoff: 200 },
 * );
 * console.log(body, calls); // ok 3
 * ```
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal | undefined) => T | PromiseLike<T>,
  options?: RetryOptions,
): Promise<Awaited<T>> {
  const action = "retry";
  checkFunction(action, "fn", fn);
  const opts = checkOptions<RetryOptions>(action, options);
  const retries = opts.retries === undefined ? 3 : checkInteger(action, "retries", opts.retries, { allowInfinity: true });
  const backoff = opts.backoff === undefined ? 100 : checkMilliseconds(action, "backoff", opts.backoff);
  const maxDelay = opts.maxDelay === undefined ? 30_000 : checkMilliseconds(action, "maxDelay", opts.maxDelay);
  if (opts.jitter !== undefined && typeof opts.jitter !== "boolean") {
    throw new TypeError(`Cannot ${action} as 'jitter' must be a boolean: received ${describe(opts.jitter)}`);
  }
  const jitter = given(opts.jitter, true);
  if (opts.retryIf !== undefined) checkFunction(action, "retryIf", opts.retryIf);
  const signal = checkSignal(action, opts.signal);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt, signal);
    } catch (error) {
      if (signal?.aborted || attempt > retries) throw error;
      if (opts.retryIf !== undefined && !(await opts.retryIf(error, attempt))) throw error;
      const asked = retryAfterOf(error);
      const cap = Math.min(maxDelay, backoff * 2 ** (attempt - 1));
      await sleep(asked ?? (jitter ? Math.random() * cap : cap), { signal });
    }
  }
}

/** The error's `retryAfter` in ms when it is a finite number >= 0. */
function retryAfterOf(error: unknown): number | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const value = (error as { retryAfter?: unknown }).retryAfter;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads a `Retry-After` header value as milliseconds to wait: a number of
 * seconds (`"120"`), or an HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`,
 * counted from `now`; a date in the past gives 0).
 *
 * Python: no stdlib equivalent (urllib3's `Retry.parse_retry_after`).
 *
 * @param value The header's value; `null`/`undefined` (no header) are accepted.
 * @param now The current time in ms since the epoch. Default `Date.now()`.
 * @returns The delay in ms, or `undefined` when the value is missing or malformed.
 * @throws {TypeError} When `value` is neither a string, null nor undefined.
 *
 * @example From a fetch response
 * ```ts
 * import { parseRetryAfter } from "juggle-core";
 *
 * console.log(parseRetryAfter("2")); // 2000
 * console.log(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)); // 6000
 * console.log(parseRetryAfter("soon")); // undefined
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new TypeError(`Cannot parse Retry-After as 'value' must be a string: received ${describe(value)}`);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names a weekday and a time; Date.parse alone would
  // also accept bare numbers and other shapes.
  if (!/^[A-Za-z]{3},? .*\d{2}:\d{2}:\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
