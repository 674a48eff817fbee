/**
 * `Barrier`: wait until a number of tasks have all arrived.
 *
 * @module
 */
import { BrokenBarrierError } from "../internal/errors.js";
import { checkFunction, checkInteger, checkOptions } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import type { WaitOptions } from "./lock.js";
import { enqueue, rejectAll, requeue, signalOf, takeLive, type Waiter } from "./waiter.js";

/** Options of {@link Barrier}. */
export interface BarrierOptions {
  /**
   * Runs once per cycle, when the last party arrives and before any party is
   * released; may return a promise, which is awaited. If it throws, the
   * barrier breaks: the other parties get a {@link BrokenBarrierError} and
   * the last one gets the error itself.
   */
  action?: () => unknown;
}

/** The parties that completed a cycle while the action runs. */
interface Passing {
  readonly parties: Waiter<number>[];
  broken: boolean;
}

/**
 * A cyclic barrier: `wait()` blocks until `parties` tasks have called it,
 * then releases them all at once and starts over for the next cycle.
 *
 * Each `wait()` resolves to its arrival index in the cycle: `0` for the first
 * to arrive, `parties - 1` for the last (which ran the action). A waiter whose
 * signal aborts leaves the barrier as if it had never arrived; the barrier
 * does not break (as in asyncio, unlike a `threading.Barrier` timeout).
 *
 * `abort()` breaks the barrier: current and future waits reject with
 * {@link BrokenBarrierError} until `reset()`.
 *
 * Python: `asyncio.Barrier` (with the `action` of `threading.Barrier`).
 *
 * @example Three workers meet before the next phase
 * ```ts
 * import { Barrier } from "juggle-core";
 *
 * const barrier = new Barrier(3, {
 *   action: () => console.log("all arrived"), // all arrived
 * });
 * const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * console.log(indexes); // [ 0, 1, 2 ]
 * ```
 */
export class Barrier {
  readonly #parties: number;
  readonly #action: (() => unknown) | undefined;
  readonly #waiters = new WaiterList<Waiter<number>>();
  readonly #passing = new Set<Passing>();
  #broken = false;

  /**
   * @param parties How many tasks must arrive to pass (at least 1).
   * @throws {TypeError} When `parties` is not a number or `action` is not a function.
   * @throws {RangeError} When `parties` is not a positive integer.
   */
  constructor(parties: number, options?: BarrierOptions) {
    this.#parties = checkInteger("create Barrier", "parties", parties, { min: 1 });
    const { action } = checkOptions<BarrierOptions>("create Barrier", options);
    if (action !== undefined) checkFunction("create Barrier", "action", action);
    this.#action = action;
  }

  /** How many tasks must arrive to pass. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks are waiting in the current cycle. Python: `n_waiting`. */
  get nWaiting(): number {
    return this.#waiters.length;
  }

  /** True after `abort()` (or a failed action), until `reset()`. */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Arrives at the barrier and waits for the other parties.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise of the arrival index (`0` … `parties - 1`); rejects
   * with {@link BrokenBarrierError} when the barrier is or becomes broken or
   * is reset, and with `signal.reason` when the signal aborts first.
   */
  wait(options?: WaitOptions): Promise<number> {
    const signal = signalOf("wait on Barrier", options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#broken) return Promise.reject(new BrokenBarrierError("Cannot wait on Barrier as it is broken"));
    if (this.#waiters.length + 1 < this.#parties) return enqueue(this.#waiters, signal);
    // This may be the last party. Take the others off the list, dropping any
    // whose signal aborted but whose abort listener has not run yet.
    const parties: Waiter<number>[] = [];
    for (let w = takeLive(this.#waiters); w !== undefined; w = takeLive(this.#waiters)) parties.push(w);
    if (parties.length + 1 < this.#parties) {
      for (const w of parties) requeue(this.#waiters, w);
      return enqueue(this.#waiters, signal);
    }
    if (this.#action === undefined) {
      release(parties);
      return Promise.resolve(this.#parties - 1);
    }
    return this.#runAction({ parties, broken: false });
  }

  /**
   * Breaks the barrier: every waiting task, and every later `wait()` until
   * `reset()`, rejects with {@link BrokenBarrierError}.
   */
  abort(): void {
    this.#broken = true;
    this.#breakWaiters(new BrokenBarrierError("Barrier was aborted"));
  }

  /**
   * Returns the barrier to its initial state: tasks waiting now reject with
   * {@link BrokenBarrierError}; a broken barrier works again.
   */
  reset(): void {
    this.#breakWaiters(new BrokenBarrierError("Barrier was reset"));
    this.#broken = false;
  }

  async #runAction(passing: Passing): Promise<number> {
    this.#passing.add(passing);
    try {
      await (this.#action as () => unknown)();
    } catch (error) {
      if (!passing.broken) {
        this.#broken = true;
        this.#breakWaiters(new BrokenBarrierError("Barrier action failed", { cause: error }));
      }
      throw error;
    } finally {
      this.#passing.delete(passing);
    }
    // abort() or reset() while the action ran broke this cycle too.
    if (passing.broken) throw new BrokenBarrierError("Barrier was aborted or reset while its action ran");
    release(passing.parties);
    return this.#parties - 1;
  }

  #breakWaiters(error: BrokenBarrierError): void {
    rejectAll(this.#waiters, error);
    for (const passing of this.#passing) {
      if (passing.broken) continue;
      passing.broken = true;
      for (const w of passing.parties) w.reject(error);
    }
  }
}

function release(parties: Waiter<number>[]): void {
  for (let i = 0; i < parties.length; i++) parties[i].resolve(i);
}
