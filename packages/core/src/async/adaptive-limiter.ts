/**
 * `AdaptiveLimiter`: a concurrency limit that finds itself from latency.
 *
 * The rule is TCP Vegas's, as in Netflix's concurrency-limits `VegasLimit`:
 * the smallest latency ever observed is the service's latency with no queue.
 * Over one round (about `limit` completed calls) the average latency `rtt`
 * tells how many calls waited in a queue somewhere:
 *
 *     queue = limit * (1 - minRtt / rtt)
 *
 * Fewer than `alpha` queued: the service has room, the limit grows (doubling
 * until the first sign of queueing, then +1 per round). More than `beta`:
 * the limit shrinks by half the excess. In between it holds. Against a
 * service whose latency is flat up to K calls in flight and grows beyond
 * (K workers, the rest queue), `queue ≈ inFlight - K`, so the limit settles
 * between K + alpha and K + beta.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { listenAbort } from "../internal/signal.js";
import { checkFunction, checkInteger, checkOptions, checkSignal, describe } from "../internal/validate.js";
import { type WaiterNode, WaiterList } from "../internal/waiters.js";

/** Options of {@link AdaptiveLimiter}. */
export interface AdaptiveLimiterOptions {
  /** Lowest limit. Default 1. */
  min?: number;
  /** Highest limit. Default 1000. */
  max?: number;
  /** Limit at the start. Default `min(max, max(min, 4))`. */
  initial?: number;
  /** Grow while fewer calls than this seem queued. Default 3. */
  alpha?: number;
  /** Shrink once more calls than this seem queued. Default 6. */
  beta?: number;
  /** The clock, in milliseconds (inject a simulated one in tests). Default `performance.now`. */
  now?: () => number;
  /**
   * Whether a call's error says the service is overloaded (an HTTP 429 or
   * 503). Such a failure halves the limit at once, as a loss does in TCP:
   * once per round, since the calls already in flight when it came were sent
   * under the old limit. Default: no error is an overload.
   */
  isOverload?: (error: unknown) => boolean;
}

/** Options of {@link AdaptiveLimiter.run}. */
export interface AdaptiveRunOptions {
  /** Aborting it while the call waits for a slot rejects with `signal.reason`; once running, `fn` receives it. */
  signal?: AbortSignal;
}

interface Waiter {
  start: () => void;
  reject: (error: unknown) => void;
}

/**
 * Runs async calls with a concurrency limit that adapts to the latency it
 * observes, between `min` and `max` (see the module doc for the rule).
 * Waiting calls are served first come, first served, each in its caller's
 * `AsyncLocalStorage` context; an aborted wait leaves the queue at once.
 * Only calls that succeed are latency samples: a failure says nothing
 * reliable about queueing, except an overload error (`isOverload`), which
 * halves the limit.
 *
 * Python: no stdlib equivalent; the book's concurrency sweep (High
 * Performance Python, Figure 8-3) done live.
 *
 * @example Let the limiter find the right number of requests
 * ```ts
 * import { AdaptiveLimiter, map } from "juggle-core";
 *
 * const limiter = new AdaptiveLimiter({ min: 1, max: 200 });
 * const urls = Array.from({ length: 1000 }, (_, i) => `http://127.0.0.1:8080/add?name=${i}`);
 * await map(urls, (url) => limiter.run((signal) => fetch(url, { signal })), { concurrency: 200 }).toArray();
 * console.log(limiter.limit);
 * ```
 */
export class AdaptiveLimiter {
  readonly #min: number;
  readonly #max: number;
  readonly #alpha: number;
  readonly #beta: number;
  readonly #now: () => number;
  readonly #isOverload: ((error: unknown) => boolean) | undefined;
  /** Counts the limit's overload cuts: a call started before the last cut does not cut again. */
  #epoch = 0;
  readonly #waiters = new WaiterList<Waiter>();
  #limit: number;
  #inFlight = 0;
  #minRtt = Number.POSITIVE_INFINITY;
  #slowStart = true;
  // The current round.
  #samples = 0;
  #rttSum = 0;
  #peakInFlight = 0;

  /**
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When `min`, `max` or `initial` is not a positive integer, or they are out of order.
   */
  constructor(options?: AdaptiveLimiterOptions) {
    const action = "create AdaptiveLimiter";
    const opts = checkOptions<AdaptiveLimiterOptions>(action, options);
    this.#min = opts.min === undefined ? 1 : checkInteger(action, "min", opts.min, { min: 1 });
    this.#max = opts.max === undefined ? Math.max(1000, this.#min) : checkInteger(action, "max", opts.max, { min: this.#min });
    this.#limit =
      opts.initial === undefined
        ? Math.min(this.#max, Math.max(this.#min, 4))
        : checkInteger(action, "initial", opts.initial, { min: this.#min, max: this.#max });
    this.#alpha = checkThreshold(action, "alpha", opts.alpha, 3, 0);
    this.#beta = checkThreshold(action, "beta", opts.beta, Math.max(6, this.#alpha * 2), this.#alpha);
    if (opts.now !== undefined) checkFunction(action, "now", opts.now);
    this.#now = opts.now ?? (() => performance.now());
    if (opts.isOverload !== undefined) checkFunction(action, "isOverload", opts.isOverload);
    this.#isOverload = opts.isOverload;
  }

  /** The current limit. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** The smallest latency observed so far (`Infinity` before the first sample). */
  get minLatency(): number {
    return this.#minRtt;
  }

  /**
   * Runs `fn(signal)` once fewer than `limit` calls are in flight.
   *
   * @returns `fn`'s result.
   * @throws {TypeError} When `fn` is not a function.
   */
  run<T>(fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, options?: AdaptiveRunOptions): Promise<Awaited<T>> {
    checkFunction("run a call", "fn", fn);
    const signal = checkSignal("run a call", checkOptions<AdaptiveRunOptions>("run a call", options).signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#inFlight < this.limit && this.#waiters.length === 0) return this.#start(fn, signal);
    const resume = AsyncLocalStorage.snapshot();
    return new Promise<Awaited<T>>((resolve, reject) => {
      let node: WaiterNode<Waiter> | undefined;
      const unlisten = listenAbort(signal, (reason) => {
        if (node !== undefined && this.#waiters.remove(node)) reject(reason);
      });
      node = this.#waiters.push({
        start: () => {
          unlisten();
          resume(() => this.#start(fn, signal)).then(resolve, reject);
        },
        reject,
      });
    });
  }

  #start<T>(fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<Awaited<T>> {
    this.#inFlight++;
    if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
    const started = this.#now();
    const epoch = this.#epoch;
    let pending: T | PromiseLike<T>;
    try {
      pending = fn(signal);
    } catch (error) {
      this.#failed(error, epoch);
      this.#done();
      return Promise.reject(error);
    }
    return Promise.resolve(pending).then(
      (value) => {
        this.#sample(this.#now() - started);
        this.#done();
        return value as Awaited<T>;
      },
      (error: unknown) => {
        this.#failed(error, epoch);
        this.#done();
        throw error;
      },
    );
  }

  /** An overload error from a call started since the last cut halves the limit and starts a new round. */
  #failed(error: unknown, epoch: number): void {
    if (this.#isOverload === undefined || epoch !== this.#epoch || !this.#isOverload(error)) return;
    this.#epoch++;
    this.#slowStart = false;
    this.#limit = Math.max(this.#min, this.#limit / 2);
    this.#samples = 0;
    this.#rttSum = 0;
    this.#peakInFlight = this.#inFlight;
  }

  #done(): void {
    this.#inFlight--;
    while (this.#inFlight < this.limit) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) break;
      waiter.start();
    }
  }

  #sample(rtt: number): void {
    if (rtt < this.#minRtt) this.#minRtt = rtt;
    this.#samples++;
    this.#rttSum += rtt;
    if (this.#samples < this.limit) return;
    const avg = this.#rttSum / this.#samples;
    const peak = this.#peakInFlight;
    this.#samples = 0;
    this.#rttSum = 0;
    this.#peakInFlight = this.#inFlight;
    if (avg <= 0) return; // a clock too coarse to tell
    const limit = this.#limit;
    const queue = limit * (1 - this.#minRtt / avg);
    let next = limit;
    if (queue > this.#beta) {
      this.#slowStart = false;
      next = limit - Math.max(1, (queue - this.#beta) / 2);
    } else if (queue < this.#alpha) {
      // Grow only when the limit was really used: a mostly idle limiter
      // learns nothing about the service's capacity.
      if (peak >= limit / 2) next = this.#slowStart ? limit * 2 : limit + 1;
    } else {
      this.#slowStart = false;
    }
    this.#limit = Math.min(this.#max, Math.max(this.#min, next));
  }
}

function checkThreshold(action: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action} as '${name}' must be a number >= ${min}: received ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`Cannot ${action} as '${name}' must be a number >= ${min}: received ${describe(value)}`);
  }
  return value;
}
