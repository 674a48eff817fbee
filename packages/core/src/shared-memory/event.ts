/**
 * `Event`: a flag in shared memory that threads wait for.
 *
 * Layout (Int32): `[flag, waiters]`; `set` notifies only when a waiter is
 * registered.
 *
 * @module
 */
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { assertCanBlock, checkWait, parseWait, type SyncWaitOptions, type WaitOptions, waitAsync, waitSync } from "./wait.js";

const KEY = "juggle/shared-memory:Event";
const FLAG = 0;
const WAITERS = 1;

/**
 * A flag shared by threads: `wait` returns once it is set. Setting wakes every
 * waiter; `clear` resets it.
 *
 * Python: `threading.Event` / `multiprocessing.Event`.
 *
 * @example Stopping workers early
 * ```ts
 * import { Event } from "juggle-core/shared-memory";
 * const stop = new Event();
 * // pass `stop` to tasks; they check `stop.isSet` in their loop
 * stop.set();
 * ```
 */
export class Event {
  /** The memory the event lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;

  /** Creates a cleared event in a new SharedArrayBuffer. */
  constructor();
  /** @internal Attaches to an existing event. */
  constructor(buffer: SharedArrayBuffer);
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(8);
    this.#i32 = new Int32Array(this.buffer);
  }

  /** Whether the flag is set. Python: `is_set()`. */
  get isSet(): boolean {
    return Atomics.load(this.#i32, FLAG) !== 0;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    Atomics.store(this.#i32, FLAG, 1);
    if (Atomics.load(this.#i32, WAITERS) > 0) Atomics.notify(this.#i32, FLAG);
  }

  /** Clears the flag. */
  clear(): void {
    Atomics.store(this.#i32, FLAG, 0);
  }

  /**
   * Waits until the flag is set, without blocking the event loop.
   *
   * @returns `true` when set, `false` when `timeout` ran out first.
   * @throws The signal's reason when `signal` aborts.
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    checkWait("wait for Event", options);
    if (this.isSet) return true;
    const { deadline, signal } = parseWait("wait for Event", options);
    const i32 = this.#i32;
    Atomics.add(i32, WAITERS, 1);
    try {
      while (Atomics.load(i32, FLAG) === 0) {
        if ((await waitAsync(i32, FLAG, 0, deadline, signal)) === "timed-out") return this.isSet;
      }
      return true;
    } finally {
      Atomics.sub(i32, WAITERS, 1);
    }
  }

  /**
   * Blocks the calling worker until the flag is set or `timeout` runs out.
   *
   * @throws {JuggleError} On the main thread (use `wait()`).
   */
  waitSync(options?: SyncWaitOptions): boolean {
    assertCanBlock("Event.waitSync()", "await event.wait()");
    checkWait("wait for Event", options);
    if (this.isSet) return true;
    const { deadline } = parseWait("wait for Event", options);
    const i32 = this.#i32;
    Atomics.add(i32, WAITERS, 1);
    try {
      while (Atomics.load(i32, FLAG) === 0) {
        if (waitSync(i32, FLAG, 0, deadline) === "timed-out") return this.isSet;
      }
      return true;
    } finally {
      Atomics.sub(i32, WAITERS, 1);
    }
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer } };
  }
}

registerReviver(KEY, (state) => new Event((state as { sab: SharedArrayBuffer }).sab));
