/**
 * `RLock`: a reentrant lock in shared memory, owned by the thread that took
 * it.
 *
 * Layout (Int32): `[mutex, owner, count]`. `owner` is the owning thread's
 * `threadId + 1` (0: no owner), kept in the shared memory so every thread
 * sees who holds it; only the owner touches `count`.
 *
 * @module
 */
import { threadId } from "node:worker_threads";
import { JuggleError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { mutexLockAsync, mutexLockSync, mutexTry, mutexUnlock } from "./lock.js";
import { assertCanBlock, checkWait, parseWait, type SyncWaitOptions, type WaitOptions } from "./wait.js";

const KEY = "juggle/shared-memory:RLock";
const MUTEX = 0;
const OWNER = 1;
const COUNT = 2;
const ME = threadId + 1;

/**
 * A reentrant lock in shared memory: the thread holding it may acquire it
 * again, and must release it as many times. Ownership is per thread
 * (`worker_threads.threadId`): on the main thread every async task shares
 * the main thread's ownership, as in Python, where an `RLock` belongs to a
 * thread, not to a coroutine.
 *
 * Python: `threading.RLock` / `multiprocessing.RLock`.
 *
 * @example
 * ```ts
 * import { RLock } from "juggle-core/shared-memory";
 * const lock = new RLock();
 * await lock.acquire();
 * await lock.acquire(); // same thread: count 2
 * lock.release();
 * lock.release();
 * ```
 */
export class RLock {
  /** The memory the lock lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;

  /** Creates an unowned lock in a new SharedArrayBuffer. */
  constructor();
  /** @internal Attaches to an existing lock. */
  constructor(buffer: SharedArrayBuffer);
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(12);
    this.#i32 = new Int32Array(this.buffer);
  }

  /** Whether some thread holds the lock (a snapshot). */
  get locked(): boolean {
    return Atomics.load(this.#i32, MUTEX) !== 0;
  }

  /** Whether the calling thread holds the lock. Python: `_is_owned()`. */
  get owned(): boolean {
    return Atomics.load(this.#i32, OWNER) === ME;
  }

  /** How many times the calling thread holds it (0 when it does not). */
  get count(): number {
    return this.owned ? Atomics.load(this.#i32, COUNT) : 0;
  }

  #reenter(): boolean {
    if (Atomics.load(this.#i32, OWNER) !== ME) return false;
    Atomics.add(this.#i32, COUNT, 1);
    return true;
  }

  #own(count = 1): void {
    Atomics.store(this.#i32, OWNER, ME);
    Atomics.store(this.#i32, COUNT, count);
  }

  /** Takes the lock if it is free or already ours, without waiting. */
  tryAcquire(): boolean {
    if (this.#reenter()) return true;
    if (!mutexTry(this.#i32, MUTEX)) return false;
    this.#own();
    return true;
  }

  /**
   * Waits for the lock without blocking the event loop.
   *
   * @returns `true` once held, `false` when `timeout` ran out first.
   * @throws The signal's reason when `signal` aborts.
   */
  async acquire(options?: WaitOptions): Promise<boolean> {
    checkWait("acquire RLock", options);
    if (this.tryAcquire()) return true;
    const { deadline, signal } = parseWait("acquire RLock", options);
    if (!(await mutexLockAsync(this.#i32, MUTEX, deadline, signal))) return false;
    this.#own();
    return true;
  }

  /**
   * Blocks the calling worker until the lock is held or `timeout` runs out.
   *
   * @throws {JuggleError} On the main thread (use `acquire()`).
   */
  acquireSync(options?: SyncWaitOptions): boolean {
    assertCanBlock("RLock.acquireSync()", "await rlock.acquire()");
    checkWait("acquire RLock", options);
    if (this.tryAcquire()) return true;
    const { deadline } = parseWait("acquire RLock", options);
    if (!mutexLockSync(this.#i32, MUTEX, deadline)) return false;
    this.#own();
    return true;
  }

  /**
   * Releases one level; the last release frees the lock and wakes a waiter.
   *
   * @throws {JuggleError} `ERR_JUGGLE_NOT_OWNER` when the calling thread does not hold it.
   */
  release(): void {
    this.#checkOwned("release RLock");
    if (Atomics.sub(this.#i32, COUNT, 1) > 1) return;
    Atomics.store(this.#i32, OWNER, 0);
    mutexUnlock(this.#i32, MUTEX, "RLock");
  }

  #checkOwned(action: string): void {
    const owner = Atomics.load(this.#i32, OWNER);
    if (owner === ME) return;
    const why = owner === 0 ? "it is not locked" : `it is owned by thread ${owner - 1}, not thread ${ME - 1}`;
    throw new JuggleError(`Cannot ${action} as ${why}`, "ERR_JUGGLE_NOT_OWNER");
  }

  /** @internal Releases every level (for `Condition.wait`); returns the count to restore. */
  releaseAll(): number {
    this.#checkOwned("wait on Condition");
    const count = Atomics.load(this.#i32, COUNT);
    Atomics.store(this.#i32, COUNT, 0);
    Atomics.store(this.#i32, OWNER, 0);
    mutexUnlock(this.#i32, MUTEX, "RLock");
    return count;
  }

  /** @internal Restores the count after reacquiring in `Condition.wait`. */
  restore(count: number): void {
    this.#own(count);
  }

  /** @internal Raw mutex access for `Condition`. */
  get mutex(): [Int32Array, number] {
    return [this.#i32, MUTEX];
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer } };
  }
}

registerReviver(KEY, (state) => new RLock((state as { sab: SharedArrayBuffer }).sab));
