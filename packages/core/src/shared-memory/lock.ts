/**
 * `Lock`: a mutual-exclusion lock in a SharedArrayBuffer, shared by every
 * thread that receives it, and `withLock`, which releases it however the
 * callback ends.
 *
 * The lock word follows Drepper's "Futexes are tricky" mutex: 0 unlocked,
 * 1 locked, 2 locked and someone may be waiting. An uncontended acquire is
 * one compare-exchange and a release one exchange; only a release that finds
 * 2 pays for an `Atomics.notify`.
 *
 * @module
 */
import { JuggleError, TimeoutError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import {
  assertCanBlock,
  checkWait,
  parseWait,
  SPIN,
  type SyncWaitOptions,
  type WaitOptions,
  waitAsync,
  waitSync,
} from "./wait.js";

const KEY = "juggle/shared-memory:Lock";

/** Tries to take the mutex word at `i32[i]` once. @internal */
export function mutexTry(i32: Int32Array, i: number): boolean {
  return Atomics.compareExchange(i32, i, 0, 1) === 0;
}

/** Takes the mutex word, blocking the worker until `deadline`. @internal */
export function mutexLockSync(i32: Int32Array, i: number, deadline: number): boolean {
  let c = Atomics.compareExchange(i32, i, 0, 1);
  if (c === 0) return true;
  // Spin a little first: a lock is usually held for a short time, and a sleep
  // and wake-up cost tens of microseconds.
  for (let n = 0; n < SPIN; n++) {
    if (Atomics.load(i32, i) === 0 && (c = Atomics.compareExchange(i32, i, 0, 1)) === 0) return true;
  }
  if (c !== 2) c = Atomics.exchange(i32, i, 2);
  while (c !== 0) {
    const r = waitSync(i32, i, 2, deadline);
    c = Atomics.exchange(i32, i, 2);
    if (c !== 0 && r === "timed-out") return false;
  }
  return true;
}

/** Takes the mutex word without blocking the event loop. @internal */
export async function mutexLockAsync(
  i32: Int32Array,
  i: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  let c = Atomics.compareExchange(i32, i, 0, 1);
  if (c === 0) return true;
  if (c !== 2) c = Atomics.exchange(i32, i, 2);
  while (c !== 0) {
    // An abort rejects here, before the word is touched again: the lock is
    // left as it was (at worst marked 2, which costs one spare notify).
    const r = await waitAsync(i32, i, 2, deadline, signal);
    c = Atomics.exchange(i32, i, 2);
    if (c !== 0 && r === "timed-out") return false;
  }
  return true;
}

/** Releases the mutex word; throws when it was not locked. @internal */
export function mutexUnlock(i32: Int32Array, i: number, what: string): void {
  const prev = Atomics.exchange(i32, i, 0);
  if (prev === 0) throw new JuggleError(`Cannot release ${what} as it is not locked`, "ERR_JUGGLE_NOT_LOCKED");
  if (prev === 2) Atomics.notify(i32, i, 1);
}

/** Anything with the lock protocol: `Lock`, `RLock`, `Semaphore`, manager locks. */
export interface Acquirable {
  acquire(options?: WaitOptions): Promise<boolean>;
  release(): void | Promise<void>;
}

/**
 * A mutual-exclusion lock that lives in shared memory. Create it on any
 * thread and pass it to workers as an ordinary task argument: they get a lock
 * over the same memory. In a worker, `acquireSync()` blocks; `acquire()` never
 * blocks the event loop and is the only way on the main thread.
 *
 * Like Python's `threading.Lock`, it is not owned: any thread may release it,
 * but releasing an unlocked lock is an error. Use {@link RLock} for a lock
 * owned by the thread that took it.
 *
 * Python: `threading.Lock` / `multiprocessing.Lock`.
 *
 * @example Counting under a lock from several workers
 * ```ts
 * import { Lock, withLock } from "juggle-core/shared-memory";
 * const lock = new Lock();
 * await withLock(lock, () => {
 *   // critical section
 * });
 * ```
 */
export class Lock implements Acquirable {
  /** The memory the lock lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #index: number;

  /** Creates an unlocked lock in a new SharedArrayBuffer. */
  constructor();
  /** @internal Attaches to the lock word at `index` of `buffer`. */
  constructor(buffer: SharedArrayBuffer, index: number);
  constructor(buffer?: SharedArrayBuffer, index = 0) {
    this.buffer = buffer ?? new SharedArrayBuffer(4);
    this.#i32 = new Int32Array(this.buffer, 0, this.buffer.byteLength >> 2);
    this.#index = index;
  }

  /** Whether some thread holds the lock (a snapshot). Python: `locked()`. */
  get locked(): boolean {
    return Atomics.load(this.#i32, this.#index) !== 0;
  }

  /**
   * Takes the lock if it is free, without waiting.
   * Python: `acquire(blocking=False)`.
   */
  tryAcquire(): boolean {
    return mutexTry(this.#i32, this.#index);
  }

  /**
   * Waits for the lock without blocking the event loop.
   *
   * @returns `true` once held, `false` when `timeout` ran out first.
   * @throws The signal's reason when `signal` aborts (the lock is not taken).
   * Python: `acquire(timeout=…)`.
   */
  acquire(options?: WaitOptions): Promise<boolean> {
    try {
      checkWait("acquire Lock", options);
      if (mutexTry(this.#i32, this.#index)) return Promise.resolve(true);
      const { deadline, signal } = parseWait("acquire Lock", options);
      return mutexLockAsync(this.#i32, this.#index, deadline, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Blocks the calling worker until the lock is held or `timeout` runs out.
   *
   * @returns `true` once held, `false` on timeout.
   * @throws {JuggleError} On the main thread (use `acquire()`).
   */
  acquireSync(options?: SyncWaitOptions): boolean {
    assertCanBlock("Lock.acquireSync()", "await lock.acquire()");
    checkWait("acquire Lock", options);
    if (mutexTry(this.#i32, this.#index)) return true;
    const { deadline } = parseWait("acquire Lock", options);
    return mutexLockSync(this.#i32, this.#index, deadline);
  }

  /**
   * Releases the lock and wakes one waiter.
   *
   * @throws {JuggleError} `ERR_JUGGLE_NOT_LOCKED` when the lock is not held.
   */
  release(): void {
    mutexUnlock(this.#i32, this.#index, "Lock");
  }

  /** @internal Raw mutex access for `Condition`. */
  get mutex(): [Int32Array, number] {
    return [this.#i32, this.#index];
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer, index: this.#index } };
  }
}

registerReviver(KEY, (state) => {
  const s = state as { sab: SharedArrayBuffer; index: number };
  return new Lock(s.sab, s.index);
});

/**
 * Runs `fn` holding `lock` and releases it however `fn` ends (returns,
 * throws or rejects). Works with `Lock`, `RLock`, `Semaphore` and manager
 * locks.
 *
 * @param options `{ timeout, signal }` for the acquire; when the timeout
 *   runs out a `TimeoutError` is thrown and `fn` is not called.
 * Python: `with lock:`.
 *
 * @example
 * ```ts
 * import { Lock, withLock } from "juggle-core/shared-memory";
 * const lock = new Lock();
 * const n = await withLock(lock, () => 42);
 * ```
 */
export async function withLock<T>(lock: Acquirable, fn: () => T | Promise<T>, options?: WaitOptions): Promise<T> {
  if (!(await lock.acquire(options))) {
    throw new TimeoutError(`Cannot run under lock as acquiring it timed out after ${options?.timeout} ms`);
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * Blocking form of {@link withLock} for workers: runs `fn` holding `lock`
 * and releases it even when `fn` throws.
 *
 * @throws {TimeoutError} When `timeout` runs out before the lock is held.
 * Python: `with lock:`.
 *
 * @example In a task running on a worker thread
 * ```ts
 * import { type Lock, type Value, withLockSync } from "juggle-core/shared-memory";
 * export function deposit(lock: Lock, balance: Value<"int32">, amount: number): number {
 *   return withLockSync(lock, () => {
 *     const next = balance.load() + amount;
 *     balance.store(next);
 *     return next;
 *   });
 * }
 * ```
 */
export function withLockSync<T>(
  lock: { acquireSync(options?: SyncWaitOptions): boolean; release(): void },
  fn: () => T,
  options?: SyncWaitOptions,
): T {
  if (!lock.acquireSync(options)) {
    throw new TimeoutError(`Cannot run under lock as acquiring it timed out after ${options?.timeout} ms`);
  }
  try {
    return fn();
  } finally {
    lock.release();
  }
}
