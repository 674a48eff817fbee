/**
 * `Semaphore` and `BoundedSemaphore`: a counter of permits for async code.
 *
 * @module
 */
import { JuggleError } from "../internal/errors.js";
import { checkFunction, checkInteger } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import type { WaitOptions } from "./lock.js";
import { enqueue, RESOLVED, runHolding, signalOf, type Waiter, wakeOne } from "./waiter.js";

/**
 * A counter of permits. `acquire()` takes one, waiting while there is none;
 * `release()` gives one back. Waiters are served in the order they came: a
 * released permit goes straight to the first waiter (the count stays at 0),
 * so a caller arriving later cannot take it first, and with `value` N at
 * most N holders run at once, exactly.
 *
 * A plain `Semaphore` lets `release()` be called more often than `acquire()`
 * (the count then grows); use {@link BoundedSemaphore} to catch that.
 *
 * Python: `asyncio.Semaphore` (and `threading.Semaphore`).
 *
 * @example Limit concurrent work to 2
 * ```ts
 * import { Semaphore } from "juggle-core";
 *
 * const sem = new Semaphore(2);
 * let running = 0;
 * let peak = 0;
 * await Promise.all(
 *   [1, 2, 3, 4, 5].map((n) =>
 *     sem.withPermit(async () => {
 *       peak = Math.max(peak, ++running);
 *       await Promise.resolve(n);
 *       running--;
 *     }),
 *   ),
 * );
 * console.log(peak); // 2
 * ```
 */
export class Semaphore {
  #value: number;
  readonly #name: string;
  readonly #waiters = new WaiterList<Waiter<void>>();

  /**
   * @param value The number of permits at the start (default 1).
   * @throws {TypeError} When `value` is not a number.
   * @throws {RangeError} When `value` is negative, NaN or not an integer.
   */
  constructor(value = 1) {
    this.#name = new.target.name;
    this.#value = checkInteger(`create ${this.#name}`, "value", value);
  }

  /** The number of free permits now. */
  get value(): number {
    return this.#value;
  }

  /** True when `acquire()` would wait. Python: `locked()`. */
  get locked(): boolean {
    return this.#value === 0;
  }

  /** The number of callers waiting in `acquire()`. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a permit, waiting for one if none is free. With a free permit this
   * returns an already-resolved promise and allocates nothing.
   *
   * A resolved promise means the caller holds a permit (even if `signal`
   * aborts afterwards) and must `release()` it; a rejected one means it does
   * not.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise that resolves once the caller holds a permit, or
   * rejects with `signal.reason` when the signal aborts first.
   */
  acquire(options?: WaitOptions): Promise<void> {
    // Without options, signalOf() returns at once: the template string below is
    // only built for a call that passes them.
    const signal = options === undefined ? undefined : signalOf(`acquire ${this.#name}`, options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    // #value > 0 implies nobody waits: release() hands permits to waiters
    // before it counts them.
    if (this.#value > 0) {
      this.#value--;
      return RESOLVED;
    }
    return enqueue(this.#waiters, signal);
  }

  /**
   * Takes a permit if one is free, without waiting.
   *
   * @returns Whether the caller now holds a permit.
   */
  tryAcquire(): boolean {
    if (this.#value === 0) return false;
    this.#value--;
    return true;
  }

  /**
   * Gives a permit back: to the first waiter if there is one, else to the
   * count.
   *
   * @throws {JuggleError} For a {@link BoundedSemaphore} released more often
   * than it was acquired.
   */
  release(): void {
    if (!wakeOne(this.#waiters, undefined)) this.#value++;
  }

  /**
   * Runs `fn` holding a permit, and releases the permit when `fn` settles,
   * whether it returns or throws.
   *
   * When a permit is free, `fn` is called synchronously, before `withPermit`
   * returns.
   *
   * @param fn The work to run.
   * @returns What `fn` returns; rejects with what it throws, with
   * `signal.reason` when the signal aborts before a permit is free, and with a
   * `TypeError` when `fn` or `options` is not what it should be.
   */
  withPermit<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<Awaited<T>> {
    let signal: AbortSignal | undefined;
    try {
      checkFunction(`run ${this.#name}.withPermit`, "fn", fn);
      signal = options === undefined ? undefined : signalOf(`acquire ${this.#name}`, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#value > 0) {
      this.#value--;
      return runHolding(this, fn);
    }
    // One promise per waiting task, and no suspended async function: this
    // is what a backlog of thousands of tasks keeps in memory. The callback
    // runs in the caller's async context (where `then` was called).
    return enqueue(this.#waiters, signal).then(() => runHolding(this, fn));
  }
}

/**
 * A {@link Semaphore} that refuses to be released more often than it was
 * acquired: its count can never exceed the starting value.
 *
 * Python: `asyncio.BoundedSemaphore` (and `threading.BoundedSemaphore`).
 *
 * @example Catch a double release
 * ```ts
 * import { BoundedSemaphore } from "juggle-core";
 *
 * const sem = new BoundedSemaphore(1);
 * await sem.acquire();
 * sem.release();
 * try {
 *   sem.release();
 * } catch (error) {
 *   console.log((error as { code: string }).code); // ERR_JUGGLE_RELEASED_TOO_OFTEN
 * }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /**
   * @param value The number of permits at the start, and the bound (default 1).
   * @throws {TypeError} When `value` is not a number.
   * @throws {RangeError} When `value` is negative, NaN or not an integer.
   */
  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /** The most permits the semaphore can hold: its starting value. */
  get bound(): number {
    return this.#bound;
  }

  /**
   * Gives a permit back: to the first waiter if there is one, else to the
   * count.
   *
   * @throws {JuggleError} With code `ERR_JUGGLE_RELEASED_TOO_OFTEN` when
   * every permit is already free.
   */
  override release(): void {
    // Free permits plus held ones (including those handed to waiters) always
    // add up to the bound, so value === bound means nobody holds one.
    if (this.value >= this.#bound) {
      throw new JuggleError(
        `Cannot release BoundedSemaphore as its value would exceed its bound of ${this.#bound}: released more often than acquired`,
        "ERR_JUGGLE_RELEASED_TOO_OFTEN",
      );
    }
    super.release();
  }
}
