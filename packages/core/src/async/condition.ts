/**
 * `Condition`: wait until another task says something changed.
 *
 * @module
 */
import { JuggleError } from "../internal/errors.js";
import { checkFunction, checkInteger, describe } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import { handle, Lock, type LockHandle, type WaitOptions } from "./lock.js";
import { enqueue, signalOf, type Waiter, wakeOne } from "./waiter.js";

/**
 * A condition variable: a {@link Lock} plus a queue of tasks waiting to be
 * notified. A task holding the lock calls `wait()`, which releases the lock,
 * waits for `notify()`, and takes the lock again before returning; the
 * notifier changes the shared state under the same lock.
 *
 * `wait()` always returns holding the lock, even when its signal aborts: it
 * rejects with `signal.reason` only once it has the lock back, so the
 * caller's `finally { release() }` (or `withLock`) stays right.
 *
 * Python: `asyncio.Condition` (and `threading.Condition`).
 *
 * @example A consumer waits for an item
 * ```ts
 * import { Condition } from "juggle-core";
 *
 * const cond = new Condition();
 * const items: string[] = [];
 * const consumer = cond.withLock(async () => {
 *   await cond.waitFor(() => items.length > 0);
 *   return items.shift();
 * });
 * await cond.withLock(() => {
 *   items.push("apple");
 *   cond.notify();
 * });
 * console.log(await consumer); // apple
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new WaiterList<Waiter<void>>();

  /**
   * @param lock The lock to use (default: a new {@link Lock}); share one to
   * have several conditions over the same state.
   * @throws {TypeError} When `lock` is not a {@link Lock}.
   */
  constructor(lock: Lock = new Lock()) {
    if (!(lock instanceof Lock)) {
      throw new TypeError(`Cannot create Condition as 'lock' must be a Lock: received ${describe(lock)}`);
    }
    this.#lock = lock;
  }

  /** True while someone holds the underlying lock. */
  get locked(): boolean {
    return this.#lock.locked;
  }

  /** The number of tasks waiting in `wait()` for a notification. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes the underlying lock. See {@link Lock.acquire}. */
  acquire(options?: WaitOptions): Promise<void> {
    return this.#lock.acquire(options);
  }

  /** Takes the underlying lock if free. See {@link Lock.tryAcquire}. */
  tryAcquire(): boolean {
    return this.#lock.tryAcquire();
  }

  /** Releases the underlying lock. See {@link Lock.release}. */
  release(): void {
    this.#lock.release();
  }

  /** Takes the lock and returns a handle for `await using`. See {@link Lock.lock}. */
  async lock(options?: WaitOptions): Promise<LockHandle> {
    await this.#lock.acquire(options);
    return handle(this.#lock);
  }

  /** Runs `fn` holding the lock. See {@link Lock.withLock}. */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: WaitOptions): Promise<Awaited<T>> {
    return this.#lock.withLock(fn, options);
  }

  /**
   * Releases the lock, waits until notified, and takes the lock again.
   *
   * @throws {JuggleError} With code `ERR_JUGGLE_NOT_LOCKED` when the lock
   * is not held (the returned promise rejects).
   * @returns A promise that resolves holding the lock once notified; or, when
   * `signal` aborts first, rejects with `signal.reason`, also holding the
   * lock (an already-aborted signal rejects at once, the lock untouched).
   */
  async wait(options?: WaitOptions): Promise<void> {
    const signal = signalOf("wait on Condition", options);
    this.#checkLocked("wait on");
    if (signal?.aborted) throw signal.reason;
    const notified = enqueue(this.#waiters, signal);
    this.#lock.release();
    let failed = false;
    let reason: unknown;
    try {
      await notified;
    } catch (error) {
      failed = true;
      reason = error;
    }
    // Not abortable: wait() must give the lock back to its caller on every
    // path. A notification, once received, is not lost to a late abort
    // either: the waiter returns normally.
    await this.#lock.acquire();
    if (failed) throw reason;
  }

  /**
   * Waits until `predicate()` returns a truthy value, checking it first and
   * after every notification, holding the lock each time.
   *
   * @param predicate Reads the shared state; called with the lock held.
   * @throws {TypeError} When `predicate` is not a function.
   * @returns The predicate's last (truthy) value; rejects like {@link wait}.
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    checkFunction("wait on Condition", "predicate", predicate);
    // Checked now, so a bad option fails even when no wait is needed.
    if (options !== undefined) signalOf("wait on Condition", options);
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (in the order they started waiting). Each
   * then takes the lock again once the notifier releases it.
   *
   * @param n How many to wake (default 1).
   * @throws {JuggleError} With code `ERR_JUGGLE_NOT_LOCKED` when the lock
   * is not held.
   * @throws {RangeError} When `n` is not a non-negative integer or Infinity.
   */
  notify(n = 1): void {
    checkInteger("notify Condition", "n", n, { allowInfinity: true });
    this.#checkLocked("notify");
    for (let i = 0; i < n && wakeOne(this.#waiters, undefined); i++);
  }

  /**
   * Wakes every waiting task.
   *
   * @throws {JuggleError} With code `ERR_JUGGLE_NOT_LOCKED` when the lock
   * is not held.
   */
  notifyAll(): void {
    this.#checkLocked("notify");
    while (wakeOne(this.#waiters, undefined));
  }

  #checkLocked(what: string): void {
    if (!this.#lock.locked) {
      throw new JuggleError(`Cannot ${what} Condition as its lock is not acquired`, "ERR_JUGGLE_NOT_LOCKED");
    }
  }
}
