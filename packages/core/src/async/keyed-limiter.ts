/**
 * `KeyedLimiter`: concurrency and rate limits per key (per host, per tenant).
 *
 * Each key has its own FIFO queue, running count and (with `rate`) its own
 * {@link RateLimiter}, so a slow key never holds back another. Keys that can
 * start work but are held back by the `total` cap wait in a ring, served
 * round-robin: a key that starts a task goes to the back, so a key with a
 * thousand queued tasks takes turns with a key that has one.
 *
 *     ring (keys able to start, waiting for `total`):  [ a | b | c ]
 *     a starts one task -> [ b | c | a ]   (a still has queued tasks)
 *
 * A key is *active* while it has running or queued tasks. An idle key is
 * forgotten at once; with `rate` it is kept until its rate history has run
 * out (so forgetting it cannot let a burst through), then swept by one
 * unref'd timer. Memory is bounded by the active keys.
 *
 * The cost per task is kept near that of a hand-written per-key limiter
 * (bench/limits.ts): a task that can start at once costs a Map lookup, the
 * checks, and no promise beyond `fn`'s own and the one returned, which its
 * key's two reactions (made once per key, not per task) derive from `fn`'s.
 * The keys' states, their cooling and their reuse are in `key-states.ts`.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { checkFunction, checkInteger, checkOptions, checkSignal, describe } from "../internal/validate.js";
import { WaiterList, type WaiterNode } from "../internal/waiters.js";
import { Deque } from "../internal/deque.js";
import { type KeyState, KeyStates, type KeyTask as Task } from "./key-states.js";
import { checkedAt, RateLimiter, type RateLimiterOptions } from "./rate-limiter.js";
import { takeLive } from "./waiter.js";
import { listenAbort } from "../internal/signal.js";
import { TIMER_MAX } from "../internal/long-timer.js"; // longer waits re-arm and re-check

/** A key: a string or a number (not NaN). */
export type LimiterKey = string | number;

/** Options of {@link KeyedLimiter}. */
export interface KeyedLimiterOptions {
  /** Tasks of one key running at once: a positive integer or `Infinity`. */
  concurrency: number;
  /** Starts per key per interval (a {@link RateLimiter} per key; sliding window by default). */
  rate?: RateLimiterOptions;
  /** Tasks of all keys running at once: a positive integer or `Infinity` (default). */
  total?: number;
  /** Active keys (with running or queued tasks) at once; tasks of further keys wait, FIFO. Default `Infinity`. */
  maxKeys?: number;
}

/** Options of {@link KeyedLimiter.run}. */
export interface KeyedRunOptions {
  /** Aborting it while the task waits rejects with `signal.reason`; once running, `fn` receives it. */
  signal?: AbortSignal;
}

/**
 * Runs tasks under limits per key: at most `concurrency` of a key at once,
 * at most `rate.limit` starts of a key per `rate.interval`, optionally at
 * most `total` across keys (waiting keys served round-robin) and at most
 * `maxKeys` keys active at once. Tasks of one key start in FIFO order, each
 * in its caller's `AsyncLocalStorage` context; an aborted wait leaves its
 * queue at once.
 *
 * Python: no stdlib equivalent (a dict of `asyncio.Semaphore` per host, as
 * crawlers write by hand). BullMQ: group concurrency and group rate limits
 * (BullMQ Pro); pg-boss: `groupConcurrency`.
 *
 * @example Two requests per host at once, at most 5 per second per host
 * ```ts
 * import { KeyedLimiter, sleep } from "juggle-core";
 *
 * const limiter = new KeyedLimiter({ concurrency: 2, rate: { limit: 5, interval: 1000 }, total: 16 });
 * const inFlight = new Map<string, number>();
 * let peak = 0;
 * const hosts = ["a.example", "b.example", "a.example", "a.example", "b.example"];
 * await Promise.all(
 *   hosts.map((host) =>
 *     limiter.run(host, async (signal) => {
 *       inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
 *       peak = Math.max(peak, inFlight.get(host) ?? 0);
 *       await sleep(10, { signal }); // stands for fetch(url, { signal })
 *       inFlight.set(host, (inFlight.get(host) ?? 0) - 1);
 *     }),
 *   ),
 * );
 * console.log(peak, limiter.active); // 2 0
 * ```
 */
export class KeyedLimiter {
  readonly #concurrency: number;
  readonly #total: number;
  readonly #maxKeys: number;
  readonly #keys: KeyStates;
  readonly #ring = new Deque<KeyState>();
  readonly #admission = new WaiterList<Task>();
  /**
   * Tasks per key in the admission queue. A key's later task joins its earlier
   * ones there even once the key is active, so each key's tasks start in the
   * order they were run.
   */
  readonly #admitting = new Map<LimiterKey, number>();
  #running = 0;
  #active = 0;
  #waiting = 0;

  /**
   * @throws {TypeError} When an option has the wrong type.
   * @throws {RangeError} When `concurrency`, `total` or `maxKeys` is not a
   * positive integer or `Infinity`, or `rate` is invalid (see {@link RateLimiter}).
   */
  constructor(options: KeyedLimiterOptions) {
    const action = "create KeyedLimiter";
    if (options === undefined) throw new TypeError(`Cannot ${action} as 'options' must be an object: received undefined`);
    const opts = checkOptions<KeyedLimiterOptions>(action, options);
    const count = { min: 1, allowInfinity: true };
    this.#concurrency = checkInteger(action, "concurrency", opts.concurrency, count);
    this.#total = opts.total === undefined ? Number.POSITIVE_INFINITY : checkInteger(action, "total", opts.total, count);
    this.#maxKeys = opts.maxKeys === undefined ? Number.POSITIVE_INFINITY : checkInteger(action, "maxKeys", opts.maxKeys, count);
    let rate: RateLimiterOptions | undefined;
    let cool = 0;
    if (opts.rate !== undefined) {
      // Checked once here, so that a per-key RateLimiter never throws later.
      const probe = new RateLimiter(checkOptions<RateLimiterOptions>(action, opts.rate) as RateLimiterOptions);
      rate = { ...opts.rate };
      // How long a key's rate history matters after its last start: a
      // window, or the time a bucket takes to fill up again.
      cool = opts.rate.algorithm === "token-bucket" ? Math.ceil((probe.interval * probe.capacity) / probe.limit) : probe.interval + 1;
    }
    this.#keys = new KeyStates(rate, cool, (state) => this.#release(state));
  }

  /** Keys tracked now: active ones, and idle ones whose rate window has not passed yet. */
  get keys(): number {
    return this.#keys.size;
  }

  /** Keys with running or queued tasks. */
  get active(): number {
    return this.#active;
  }

  /** Tasks running now, across keys. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting, across keys (including those of keys waiting for `maxKeys`). */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Runs `fn(signal)` once `key`'s limits (and `total`, `maxKeys`) allow.
   *
   * @param key The key the task counts against: a string or a number.
   * @returns What `fn` returns; rejects with what it throws, or with
   * `signal.reason` when the signal aborts before `fn` starts.
   * @throws {TypeError} (as a rejection) When `key` is not a string or a
   * number, or `fn` or `signal` is not what it should be.
   */
  run<T>(key: LimiterKey, fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, options?: KeyedRunOptions): Promise<Awaited<T>> {
    const action = "run KeyedLimiter.run";
    let signal: AbortSignal | undefined;
    try {
      if ((typeof key !== "string" && typeof key !== "number") || Number.isNaN(key)) {
        throw new TypeError(`Cannot ${action} as 'key' must be a string or a number: received ${describe(key)}`);
      }
      checkFunction(action, "fn", fn);
      signal = options === undefined ? undefined : checkSignal(action, checkOptions<KeyedRunOptions>(action, options).signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    let state = this.#keys.get(key);
    if (state === undefined || !state.active || (this.#admission.length > 0 && this.#admitting.has(key))) {
      if (this.#active >= this.#maxKeys || this.#admission.length > 0) {
        this.#admitting.set(key, (this.#admitting.get(key) ?? 0) + 1);
        return this.#wait(this.#admission, key, fn, signal);
      }
      state = this.#activate(key);
    }
    if (
      state.queue.length === 0 &&
      state.running < this.#concurrency &&
      this.#running < this.#total &&
      state.timer === undefined &&
      (state.rate === undefined || state.rate.tryAcquire().ok)
    ) {
      this.#grant(state);
      return this.#start(state, fn, signal);
    }
    const started = this.#wait(state.queue, key, fn, signal);
    this.#offer(state);
    this.#pump();
    return started;
  }

  /**
   * Queues a task on `list`; an abort removes it and may retire its key.
   * When granted, `fn` starts in that same tick (not a promise reaction
   * later, when a busy process may have let the clock move on), in the
   * caller's AsyncLocalStorage context.
   */
  #wait<T>(
    list: WaiterList<Task>,
    key: LimiterKey,
    fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
    signal: AbortSignal | undefined,
  ): Promise<Awaited<T>> {
    this.#waiting++;
    const resume = AsyncLocalStorage.snapshot();
    return new Promise<Awaited<T>>((resolve, reject) => {
      const start = (state: KeyState): void => {
        resume(() => this.#start(state, fn, signal)).then(resolve, reject);
      };
      const task: Task = { resolve: start, reject, signal, data: key, onAbort: undefined };
      this.#listen(list, list.push(task), task);
    });
  }

  #listen(list: WaiterList<Task>, node: WaiterNode<Task>, task: Task): void {
    const signal = task.signal;
    if (signal === undefined) return;
    // One listener per signal however many tasks wait on it; `onAbort` removes
    // this task's callback once it leaves the list (see takeLive).
    task.onAbort = listenAbort(signal, (reason) => {
      if (!list.remove(node)) return;
      if (list === this.#admission) this.#leftAdmission(task.data);
      this.#waiting--;
      task.reject(reason);
      const state = this.#keys.get(task.data);
      if (state !== undefined && list === state.queue) this.#retireIfIdle(state);
    });
  }

  #activate(key: LimiterKey): KeyState {
    const state = this.#keys.take(key);
    if (!state.active) {
      state.active = true;
      this.#active++;
    }
    return state;
  }

  #grant(state: KeyState): void {
    state.running++;
    this.#running++;
    if (state.rate !== undefined) state.lastStart = checkedAt(state.rate);
  }

  /**
   * Calls `fn` (its slot already granted) and frees the slot when it
   * settles. Even a synchronous `fn` frees it a microtask later, never
   * inside this call: a queued task started by the release then starts on a
   * fresh stack, so a long backlog of synchronous tasks cannot nest.
   */
  #start<T>(state: KeyState, fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<Awaited<T>> {
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(fn(signal));
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.then(state.done, state.failed) as Promise<Awaited<T>>;
  }

  #release(state: KeyState): void {
    state.running--;
    this.#running--;
    this.#offer(state);
    this.#retireIfIdle(state);
    this.#pump();
  }

  /** Puts `state` in the ring when it could start a task but for `total`. */
  #offer(state: KeyState): void {
    if (state.inRing || state.timer !== undefined || state.queue.length === 0 || state.running >= this.#concurrency) return;
    state.inRing = true;
    this.#ring.push(state);
  }

  /** Starts tasks round-robin over the ring while `total` allows. */
  #pump(): void {
    while (this.#running < this.#total && this.#ring.length > 0) {
      const state = this.#ring.shift() as KeyState;
      state.inRing = false;
      if (state.running >= this.#concurrency || state.queue.length === 0) continue;
      if (state.rate !== undefined) {
        const attempt = state.rate.tryAcquire();
        if (!attempt.ok) {
          state.timer = setTimeout(() => {
            state.timer = undefined;
            this.#offer(state);
            this.#pump();
          }, Math.min(attempt.retryAfter, TIMER_MAX));
          continue;
        }
      }
      const task = takeLive(state.queue);
      if (task === undefined) {
        this.#retireIfIdle(state);
        continue;
      }
      this.#waiting--;
      this.#grant(state);
      task.resolve(state);
      this.#offer(state);
    }
  }

  /** Forgets an idle key (or lets it cool down), and admits a waiting key in its place. */
  #retireIfIdle(state: KeyState): void {
    if (!state.active || state.running > 0 || state.queue.length > 0) return;
    state.active = false;
    this.#active--;
    clearTimeout(state.timer);
    state.timer = undefined;
    this.#keys.idle(state);
    this.#admit();
  }

  /** Moves tasks of new keys from the admission queue into their keys' queues while `maxKeys` allows. */
  #admit(): void {
    let admitted = false;
    while (this.#admission.length > 0) {
      const head = this.#admission.peek() as Task;
      const known = this.#keys.get(head.data);
      if (this.#active >= this.#maxKeys && known?.active !== true) break;
      const task = takeLive(this.#admission);
      if (task === undefined) break;
      this.#leftAdmission(task.data);
      const state = this.#activate(task.data);
      this.#listen(state.queue, state.queue.push(task), task);
      this.#offer(state);
      admitted = true;
    }
    if (admitted) this.#pump();
  }

  #leftAdmission(key: LimiterKey): void {
    const left = (this.#admitting.get(key) ?? 1) - 1;
    if (left === 0) this.#admitting.delete(key);
    else this.#admitting.set(key, left);
  }
}
