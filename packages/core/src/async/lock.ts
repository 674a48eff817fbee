/**
 * `Lock`: a mutual-exclusion lock for async code.
 *
 * @module
 */
import { JuggleError } from "../internal/errors.js";
import { checkFunction } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import { enqueue, RESOLVED, runHolding, signalOf, type Waiter, wakeOne } from "./waiter.js";

/** Options of a wait: `signal` gives up the wait, rejecting with `signal.reason`. */
export interface WaitOptions {
  /** Aborting it gives up the wait: the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * What {@link Lock.lock} returns: releases the lock once when disposed (by
 * `using`/`await using` or by calling `release()`); later calls do nothing.
 */
export interface LockHandle extends Disposable, AsyncDisposable {
  /** Releases the lock, once. */
  release(): void;
}

/**
 * A mutual-exclusion lock: at most one holder at a time. Waiters get the lock
 * in the order they asked for it; `release()` hands it straight to the next
 * waiter, so no late caller can barge in.
 *
 * The lock has no owner: any code may release it, as in asyncio. Prefer
 * {@link Lock.withLock} or {@link Lock.lock} with `await using`, which release
 * it on every path.
 *
 * Python: `asyncio.Lock` (`threading.Lock` for the `with` pattern).
 *
 * @example Guard a critical section
 * ```ts
 * import { Lock } from "juggle-core";
 *
 * const lock = new Lock();
 * let counter = 0;
 * async function increment(): Promise<void> {
 *   await lock.withLock(async () => {
 *     const seen = counter;
 *     await Promise.resolve(); // another task could run here
 *     counter = seen + 1;
 *   });
 * }
 * await Promise.all([increment(), increment(), increment()]);
 * console.log(counter); // 3
 * ```
 *
 * @example Release with `await using`
 * ```ts
 * import { Lock } from "juggle-core";
 *
 * const lock = new Lock();
 * {
 *   await using _held = await lock.lock();
 *   console.log(lock.locked); // true
 * }
 * console.log(lock.locked); // false
 * ```
 */
export class Lock {
  #locked = false;
  readonly #waiters = new WaiterList<Waiter<void>>();

  /** True while someone holds the lock. Python: `locked()`. */
  get locked(): boolean {
    return this.#locked;
  }

  /**
   * Waits until the lock is free and takes it. When the lock is free this
   * returns an already-resolved promise and allocates nothing.
   *
   * A resolved promise means the caller holds the lock (even if `signal`
   * aborts afterwards); a rejected one means it does not.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise that resolves once the caller holds the lock, or
   * rejects with `signal.reason` when the signal aborts first.
   */
  acquire(options?: WaitOptions): Promise<void> {
    const signal = signalOf("acquire Lock", options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED;
    }
    return enqueue(this.#waiters, signal);
  }

  /**
   * Takes the lock if it is free, without waiting.
   *
   * @returns Whether the caller now holds the lock.
   */
  tryAcquire(): boolean {
    if (this.#locked) return false;
    this.#locked = true;
    return true;
  }

  /**
   * Releases the lock, handing it to the first waiter if any.
   *
   * @throws {JuggleError} With code `ERR_JUGGLE_NOT_LOCKED` when the lock
   * is not held.
   */
  release(): void {
    if (!this.#locked) {
      throw new JuggleError("Cannot release Lock as it is not acquired", "ERR_JUGGLE_NOT_LOCKED");
    }
    // Hand over: the lock stays locked and passes to the next live waiter.
    if (!wakeOne(this.#waiters, undefined)) this.#locked = false;
  }

  /**
   * Takes the lock and returns a handle that releases it when disposed, for
   * `await using _ = await lock.lock()`.
   *
   * @returns A promise of a {@link LockHandle}; rejects with `signal.reason`
   * when the signal aborts before the lock is taken.
   */
  async lock(options?: WaitOptions): Promise<LockHandle> {
    await this.acquire(options);
    return handle(this);
  }

  /**
   * Runs `fn` while holding the lock, and releases the lock when `fn`
   * settles, whether it returns or throws.
   *
   * When the lock is free, `fn` is called synchronously, before `withLock`
   * returns.
   *
   * @param fn The critical section.
   * @returns What `fn` returns; rejects with what it throws, with
   * `signal.reason` when the signal aborts before the lock is taken, and with a
   * `TypeError` when `fn` or `options` is not what it should be.
   */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<Awaited<T>> {
    let signal: AbortSignal | undefined;
    try {
      checkFunction("run withLock", "fn", fn);
      signal = options === undefined ? undefined : signalOf("acquire Lock", options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#locked) {
      this.#locked = true;
      return runHolding(this, fn);
    }
    // See Semaphore.withPermit: one promise per waiting task.
    return enqueue(this.#waiters, signal).then(() => runHolding(this, fn));
  }
}

/** A one-shot releaser for anything with `release()`. */
export function handle(target: { release(): void }): LockHandle {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    target.release();
  };
  return {
    release,
    [Symbol.dispose]: release,
    [Symbol.asyncDispose]: () => {
      release();
      return RESOLVED;
    },
  };
}
