/**
 * `Event`: a flag that tasks can wait for.
 *
 * @module
 */
import { WaiterList } from "../internal/waiters.js";
import type { WaitOptions } from "./lock.js";
import { enqueue, RESOLVED, signalOf, type Waiter, wakeAll } from "./waiter.js";

/**
 * A flag, initially unset. `wait()` waits until it is set; `set()` wakes
 * every waiter; `clear()` unsets it so later `wait()` calls wait again.
 *
 * Python: `asyncio.Event` (and `threading.Event`).
 *
 * @example Wait for a start signal
 * ```ts
 * import { Event } from "juggle-core";
 *
 * const ready = new Event();
 * const worker = (async () => {
 *   await ready.wait();
 *   return "started";
 * })();
 * ready.set();
 * console.log(await worker); // started
 * ```
 */
export class Event {
  #set = false;
  readonly #waiters = new WaiterList<Waiter<void>>();

  /** True once `set()` was called (and `clear()` not since). Python: `is_set()`. */
  get isSet(): boolean {
    return this.#set;
  }

  /** Sets the flag and wakes every waiter. Setting a set event does nothing. */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    wakeAll(this.#waiters, undefined);
  }

  /** Unsets the flag: later `wait()` calls wait for the next `set()`. */
  clear(): void {
    this.#set = false;
  }

  /**
   * Waits until the flag is set. When it is already set this returns an
   * already-resolved promise.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise that resolves once the flag is set, or rejects with
   * `signal.reason` when the signal aborts first.
   */
  wait(options?: WaitOptions): Promise<void> {
    const signal = options === undefined ? undefined : signalOf("wait on Event", options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#set) return RESOLVED;
    return enqueue(this.#waiters, signal);
  }
}
