/**
 * `Semaphore` and `BoundedSemaphore` in shared memory.
 *
 * Layout (Int32): `[value, waiters, bound]`. A waiter registers in `waiters`
 * before it sleeps on `value`, and `release` notifies only when someone is
 * registered: sequentially consistent atomics guarantee that either the
 * releaser sees the waiter, or the waiter sees the new value and does not
 * sleep.
 *
 * @module
 */
import { JuggleError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkInteger } from "../internal/validate.js";
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

const KEY = "juggle/shared-memory:Semaphore";
const VALUE = 0;
const WAITERS = 1;
const BOUND = 2;
const MAX = 0x7fffffff;

/**
 * A counting semaphore in shared memory: `acquire` takes one permit, waiting
 * while there is none; `release` gives permits back.
 *
 * Python: `threading.Semaphore` / `multiprocessing.Semaphore`.
 *
 * @example Allowing two workers at a time
 * ```ts
 * import { Semaphore, withLock } from "juggle-core/shared-memory";
 * const slots = new Semaphore(2);
 * await withLock(slots, async () => {
 *   // at most two holders here
 * });
 * ```
 */
export class Semaphore {
  /** The memory the semaphore lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;

  /**
   * @param value Initial number of permits (default 1).
   * @throws {RangeError} When `value` is not a non-negative 31-bit integer.
   */
  constructor(value?: number);
  /** @internal Attaches to an existing semaphore. */
  constructor(value: number, buffer: SharedArrayBuffer);
  constructor(value = 1, buffer?: SharedArrayBuffer) {
    if (buffer === undefined) {
      checkInteger(`create ${new.target.name}`, "value", value, { max: MAX });
      buffer = new SharedArrayBuffer(12);
      const i32 = new Int32Array(buffer);
      i32[VALUE] = value;
      i32[BOUND] = new.target === BoundedSemaphore ? value : -1;
    }
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
  }

  /** Permits available now (a snapshot). */
  get value(): number {
    return Atomics.load(this.#i32, VALUE);
  }

  /** Takes a permit if one is available, without waiting. */
  tryAcquire(): boolean {
    const i32 = this.#i32;
    let v = Atomics.load(i32, VALUE);
    while (v > 0) {
      const seen = Atomics.compareExchange(i32, VALUE, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  /**
   * Waits for a permit without blocking the event loop.
   *
   * @returns `true` once a permit is taken, `false` when `timeout` ran out.
   * @throws The signal's reason when `signal` aborts (no permit is taken).
   * Python: `acquire(timeout=…)`.
   */
  async acquire(options?: WaitOptions): Promise<boolean> {
    checkWait(`acquire ${this.constructor.name}`, options);
    if (this.tryAcquire()) return true;
    const { deadline, signal } = parseWait(`acquire ${this.constructor.name}`, options);
    const i32 = this.#i32;
    for (;;) {
      Atomics.add(i32, WAITERS, 1);
      let r: string;
      try {
        if (this.tryAcquire()) return true;
        r = await waitAsync(i32, VALUE, 0, deadline, signal);
      } finally {
        Atomics.sub(i32, WAITERS, 1);
      }
      if (this.tryAcquire()) return true;
      if (r === "timed-out") return false;
    }
  }

  /**
   * Blocks the calling worker until a permit is taken or `timeout` runs out.
   *
   * @throws {JuggleError} On the main thread (use `acquire()`).
   */
  acquireSync(options?: SyncWaitOptions): boolean {
    assertCanBlock(`${this.constructor.name}.acquireSync()`, "await semaphore.acquire()");
    checkWait(`acquire ${this.constructor.name}`, options);
    if (this.tryAcquire()) return true;
    const { deadline } = parseWait(`acquire ${this.constructor.name}`, options);
    const i32 = this.#i32;
    for (let n = 0; n < SPIN; n++) if (Atomics.load(i32, VALUE) > 0 && this.tryAcquire()) return true;
    for (;;) {
      Atomics.add(i32, WAITERS, 1);
      let r: string;
      try {
        if (this.tryAcquire()) return true;
        r = waitSync(i32, VALUE, 0, deadline);
      } finally {
        Atomics.sub(i32, WAITERS, 1);
      }
      if (this.tryAcquire()) return true;
      if (r === "timed-out") return false;
    }
  }

  /**
   * Gives back `n` permits and wakes as many waiters.
   *
   * @throws {JuggleError} `ERR_JUGGLE_RELEASED_TOO_OFTEN` for a `BoundedSemaphore`
   *   released above its initial value.
   */
  release(n = 1): void {
    checkInteger(`release ${this.constructor.name}`, "n", n, { min: 1, max: MAX });
    const i32 = this.#i32;
    const bound = Atomics.load(i32, BOUND);
    let v = Atomics.load(i32, VALUE);
    for (;;) {
      const limit = bound < 0 ? MAX : bound;
      if (v + n > limit) {
        throw new JuggleError(
          bound < 0
            ? `Cannot release Semaphore as its value would exceed ${MAX}`
            : `Cannot release BoundedSemaphore as it was released too many times: value ${v} + ${n} > ${bound}`,
          "ERR_JUGGLE_RELEASED_TOO_OFTEN",
        );
      }
      const seen = Atomics.compareExchange(i32, VALUE, v, v + n);
      if (seen === v) break;
      v = seen;
    }
    if (Atomics.load(i32, WAITERS) > 0) Atomics.notify(i32, VALUE, n);
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer } };
  }
}

/**
 * A semaphore that refuses to be released above its initial value, which
 * catches a release without a matching acquire.
 *
 * Python: `threading.BoundedSemaphore`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "juggle-core/shared-memory";
 * const s = new BoundedSemaphore(1);
 * s.release(); // throws: released too many times
 * ```
 */
export class BoundedSemaphore extends Semaphore {}

registerReviver(KEY, (state) => {
  const sab = (state as { sab: SharedArrayBuffer }).sab;
  const bounded = new Int32Array(sab)[BOUND] >= 0;
  return bounded ? new BoundedSemaphore(0, sab) : new Semaphore(0, sab);
});
