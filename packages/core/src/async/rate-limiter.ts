/**
 * `RateLimiter`: how many starts per interval, by a token bucket or a sliding
 * window.
 *
 * The sliding window counts each start for `interval` + 1 ms (see `#delay`).
 *
 * Both algorithms run on integers: the clock is read in whole milliseconds
 * and the bucket counts tokens multiplied by `interval`, so a refill of
 * `elapsed * limit` is exact and no float drift lets a start through early.
 *
 * Timers: a wait longer than Node's longest timer (2^31 − 1 ms) is armed for
 * that longest timer and re-checked when it fires (the limiter always
 * recomputes from the clock), so any finite `interval` works.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Deque } from "../internal/deque.js";
import { checkFunction, checkInteger, checkMilliseconds, checkOptions, checkSignal, describe, given } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import { RESOLVED, type Waiter } from "./waiter.js";
import { TIMER_MAX } from "../internal/long-timer.js"; // longer waits re-arm and re-check

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Starts (total cost) allowed per `interval`: a positive integer. */
  limit: number;
  /** The interval in milliseconds: a positive finite number. */
  interval: number;
  /**
   * `"sliding-window"` (default): over any window of `interval` ms the costs
   * started add up to at most `limit`. `"token-bucket"`: a bucket of `burst`
   * tokens refilled at `limit` per `interval`, smoother but allowing a burst
   * on top of the steady rate.
   */
  algorithm?: "token-bucket" | "sliding-window";
  /** Token bucket only: the bucket's size, a positive integer. Default `limit`. */
  burst?: number;
}

/** Options of {@link RateLimiter.acquire} and {@link RateLimiter.run}. */
export interface RateAcquireOptions {
  /** Aborting it while waiting rejects with `signal.reason` and leaves the queue. */
  signal?: AbortSignal;
  /** What this start costs: a non-negative integer, default 1. */
  cost?: number;
}

/** What {@link RateLimiter.tryAcquire} returns. */
export type TryAcquireResult =
  | { readonly ok: true }
  /** `retryAfter`: ms until this cost would fit, were nobody queued ahead of it. */
  | { readonly ok: false; readonly retryAfter: number };

/** Calls `fn(signal)` now; a throw becomes a rejection. */
function call<T>(fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<Awaited<T>> {
  try {
    return Promise.resolve(fn(signal)) as Promise<Awaited<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}

const OK: TryAcquireResult = Object.freeze({ ok: true });

/** The starts of one millisecond: a burst is one entry, not one per start. */
interface Entry {
  readonly at: number;
  cost: number;
}

/**
 * The clock reading (whole ms, never going backwards) of `limiter`'s latest
 * check: right after a `tryAcquire()` that succeeded, the time of that
 * start. For {@link KeyedLimiter}, which would otherwise read the clock a
 * second time on every start; not exported from the package.
 */
export let checkedAt: (limiter: RateLimiter) => number;

/**
 * Limits how often work starts: at most `limit` (total cost) per `interval`
 * milliseconds. `acquire()` waits for room, `tryAcquire()` never waits,
 * `run(fn)` acquires then calls `fn`. Waiters are served first come, first
 * served (a costly waiter at the front is not overtaken by cheap ones behind
 * it); an aborted waiter leaves the queue at once.
 *
 * Python: no stdlib equivalent (the `aiolimiter` package). p-queue:
 * `new PQueue({ intervalCap, interval })`, whose fixed windows let up to twice
 * `intervalCap` start within one `interval`; the sliding window here never does.
 *
 * @example Three starts per second
 * ```ts
 * import { RateLimiter } from "juggle-core";
 *
 * const limiter = new RateLimiter({ limit: 3, interval: 1000 });
 * const begin = Date.now();
 * const late = await Promise.all([1, 2, 3, 4].map(() => limiter.run(() => Date.now() - begin >= 1000)));
 * console.log(late.join(" ")); // false false false true
 * ```
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #interval: number;
  readonly #bucket: boolean;
  readonly #burst: number;
  readonly #waiters = new WaiterList<Waiter<void, number>>();
  /** Sliding window: the starts of the last `interval` ms, oldest first, and their total cost. */
  readonly #log = new Deque<Entry>();
  #used = 0;
  /** Token bucket: tokens × interval, and when it was last refilled. */
  #tokens: number;
  #refilled: number;
  #clock = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  static {
    checkedAt = (limiter) => limiter.#clock;
  }

  /**
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When `limit` or `burst` is not a positive integer, or
   * `interval` is not a positive finite number.
   */
  constructor(options: RateLimiterOptions) {
    const action = "create RateLimiter";
    if (options === undefined) {
      throw new TypeError(`Cannot ${action} as 'options' must be an object: received undefined`);
    }
    const opts = checkOptions<RateLimiterOptions>(action, options);
    this.#limit = checkInteger(action, "limit", opts.limit, { min: 1 });
    this.#interval = checkMilliseconds(action, "interval", opts.interval, { positive: true });
    const algorithm = given(opts.algorithm, "sliding-window");
    if (algorithm !== "sliding-window" && algorithm !== "token-bucket") {
      throw new TypeError(
        `Cannot ${action} as 'algorithm' must be "token-bucket" or "sliding-window": received ${describe(algorithm)}`,
      );
    }
    this.#bucket = algorithm === "token-bucket";
    if (opts.burst !== undefined && !this.#bucket) {
      throw new TypeError(`Cannot ${action} as 'burst' applies to the "token-bucket" algorithm only: received ${describe(opts.burst)}`);
    }
    this.#burst = opts.burst === undefined ? this.#limit : checkInteger(action, "burst", opts.burst, { min: 1 });
    this.#refilled = this.#now();
    this.#tokens = this.#burst * this.#interval;
  }

  /** The limit per interval. */
  get limit(): number {
    return this.#limit;
  }

  /** The interval in milliseconds. */
  get interval(): number {
    return this.#interval;
  }

  /** The most one start may cost: `burst` for a token bucket, `limit` for a sliding window. */
  get capacity(): number {
    return this.#bucket ? this.#burst : this.#limit;
  }

  /** Callers waiting in `acquire()` or `run()`. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits until a start of `cost` fits, and counts it as started.
   *
   * @returns A promise that resolves when the caller may start, or rejects
   * with `signal.reason` when the signal aborts first.
   * @throws {TypeError} (as a rejection) When an option has the wrong type.
   * @throws {RangeError} (as a rejection) When `cost` is negative, fractional or above {@link capacity}.
   */
  acquire(options?: RateAcquireOptions): Promise<void> {
    let cost: number;
    let signal: AbortSignal | undefined;
    try {
      [cost, signal] = this.#readOptions("acquire RateLimiter", options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length === 0 && this.#delay(cost) === 0) {
      this.#take(cost);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => this.#enqueue(cost, signal, resolve, reject));
  }

  /** Queues a waiter; `start` is called when its start is counted. */
  #enqueue(cost: number, signal: AbortSignal | undefined, start: () => void, reject: (reason: unknown) => void): void {
    const waiter: Waiter<void, number> = { resolve: start, reject, signal, data: cost, onAbort: undefined };
    const node = this.#waiters.push(waiter);
    if (signal !== undefined) {
      // Leaving the front may let the next waiter through now.
      waiter.onAbort = () => {
        if (!this.#waiters.remove(node)) return;
        reject(signal.reason);
        this.#serve();
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    if (this.#waiters.length === 1) this.#arm();
  }

  /**
   * Counts a start of `cost` if it fits now and nobody waits, without waiting.
   *
   * @throws {TypeError} When `options` or `cost` has the wrong type.
   * @throws {RangeError} When `cost` is negative, fractional or above {@link capacity}.
   */
  tryAcquire(options?: { cost?: number }): TryAcquireResult {
    // No options: no tuple to allocate (KeyedLimiter calls this once per start).
    const cost = options === undefined ? 1 : this.#readOptions("try to acquire RateLimiter", options)[0];
    const delay = this.#delay(cost);
    if (delay === 0 && this.#waiters.length === 0) {
      this.#take(cost);
      return OK;
    }
    return { ok: false, retryAfter: Math.max(delay, 1) };
  }

  /**
   * Acquires (waiting for room), then runs `fn(signal)`.
   *
   * @returns What `fn` returns; rejects with what it throws, or with
   * `signal.reason` when the signal aborts before `fn` starts.
   * @throws {TypeError} (as a rejection) When `fn` is not a function or an option has the wrong type.
   */
  run<T>(fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, options?: RateAcquireOptions): Promise<Awaited<T>> {
    let cost: number;
    let signal: AbortSignal | undefined;
    try {
      checkFunction("run RateLimiter.run", "fn", fn);
      [cost, signal] = this.#readOptions("acquire RateLimiter", options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length === 0 && this.#delay(cost) === 0) {
      this.#take(cost);
      return call(fn, signal);
    }
    // `fn` starts in the same tick as its start is counted (not a promise
    // reaction later, when a busy process may have let the clock move on),
    // in the caller's AsyncLocalStorage context.
    const resume = AsyncLocalStorage.snapshot();
    return new Promise<Awaited<T>>((resolve, reject) =>
      this.#enqueue(cost, signal, () => resume(() => call(fn, signal)).then(resolve, reject), reject),
    );
  }

  #readOptions(action: string, options: RateAcquireOptions | undefined): [number, AbortSignal | undefined] {
    if (options === undefined) return [1, undefined];
    const opts = checkOptions<RateAcquireOptions>(action, options);
    const signal = checkSignal(action, opts.signal);
    if (opts.cost === undefined) return [1, signal];
    const cost = checkInteger(action, "cost", opts.cost);
    if (cost > this.capacity) {
      const what = this.#bucket ? `'burst' (${this.#burst})` : `'limit' (${this.#limit})`;
      throw new RangeError(`Cannot ${action} as 'cost' must be at most ${what}: received ${cost}`);
    }
    return [cost, signal];
  }

  /** Whole milliseconds that never go backwards (a wall clock set back does not free slots). */
  #now(): number {
    const now = Date.now();
    if (now > this.#clock) this.#clock = now;
    return this.#clock;
  }

  /** Milliseconds until `cost` fits (0: it fits now). */
  #delay(cost: number): number {
    const now = this.#now();
    if (this.#bucket) {
      this.#refill(now);
      const missing = cost * this.#interval - this.#tokens;
      return missing <= 0 ? 0 : Math.ceil(missing / this.#limit);
    }
    const log = this.#log;
    // A start stays counted for `interval` + 1 ms: the caller's own clock
    // may read 1 ms later than ours when it starts (the millisecond turned
    // between the two reads), and its starts must still never put more than
    // `limit` in one window.
    const horizon = now - this.#interval;
    while (log.length > 0 && (log.peekFront() as Entry).at < horizon) this.#used -= (log.shift() as Entry).cost;
    let excess = this.#used + cost - this.#limit;
    if (excess <= 0) return 0;
    // The oldest starts leave the window first: wait until enough have left.
    for (const entry of log) {
      excess -= entry.cost;
      if (excess <= 0) return entry.at + this.#interval + 1 - now;
    }
    return this.#interval; // unreachable: cost <= limit
  }

  #refill(now: number): void {
    const full = this.#burst * this.#interval;
    this.#tokens = Math.min(full, this.#tokens + (now - this.#refilled) * this.#limit);
    this.#refilled = now;
  }

  /** Counts a start; the caller has just checked that it fits. */
  #take(cost: number): void {
    if (cost === 0) return;
    if (this.#bucket) this.#tokens -= cost * this.#interval;
    else {
      const last = this.#log.peekBack();
      if (last !== undefined && last.at === this.#clock) last.cost += cost;
      else this.#log.push({ at: this.#clock, cost });
      this.#used += cost;
    }
  }

  /** Lets waiters through from the front while they fit, then re-arms the timer. */
  #serve(): void {
    for (;;) {
      const head = this.#waiters.peek();
      if (head === undefined) break;
      // An aborted waiter whose listener has not run yet leaves now.
      const aborted = head.signal?.aborted === true;
      if (!aborted && this.#delay(head.data) !== 0) break;
      this.#waiters.shift();
      head.signal?.removeEventListener("abort", head.onAbort as () => void);
      if (aborted) head.reject((head.signal as AbortSignal).reason);
      else {
        this.#take(head.data);
        head.resolve();
      }
    }
    this.#arm();
  }

  /** Arms one timer for the front waiter (none when nobody waits). */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const head = this.#waiters.peek();
    if (head === undefined) return;
    const delay = Math.min(Math.max(this.#delay(head.data), 1), TIMER_MAX);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#serve();
    }, delay);
  }
}
