/**
 * Results in the order the work finishes.
 *
 * @module
 */
import { CancelledError } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { checkOptions, checkSignal, describe } from "../internal/validate.js";
import { type GatherResult, startAll } from "./gather.js";

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Aborting it aborts the function items' signal and makes the iterator throw `signal.reason`. */
  signal?: AbortSignal;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Starts every piece of work at once and yields the results as they finish,
 * fastest first. A failure is thrown from the loop at its turn; then (as when
 * the loop is left early with `break`) the work still running is aborted
 * through its signal and its outcome is ignored.
 *
 * Python: `asyncio.as_completed(aws)` / gevent's `iwait`.
 *
 * @param work Promises, values, or functions of an `AbortSignal`.
 * @param options `{ signal }` to stop early.
 * @returns An async iterable of results in completion order.
 * @throws {TypeError} When `work` is not iterable.
 *
 * @example Fastest first
 * ```ts
 * import { asCompleted, sleep } from "juggle-core";
 *
 * const slow = sleep(30).then(() => "slow");
 * const fast = sleep(10).then(() => "fast");
 * for await (const result of asCompleted([slow, fast])) console.log(result); // "fast", then "slow"
 * ```
 */
export function asCompleted<const T extends readonly unknown[]>(
  work: T,
  options?: AsCompletedOptions,
): AsyncIterableIterator<GatherResult<T[number]>> {
  const action = "iterate as completed";
  if (work === null || typeof (work as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Cannot ${action} as 'work' must be an iterable: received ${describe(work)}`);
  }
  const signal = checkSignal(action, checkOptions<AsCompletedOptions>(action, options).signal);
  return new Completions(work, signal) as AsyncIterableIterator<GatherResult<T[number]>>;
}

class Completions implements AsyncIterableIterator<unknown> {
  readonly #controller = ownedController();
  readonly #ready = new Deque<Outcome>();
  readonly #waiters = new Deque<Deferred<IteratorResult<unknown>>>();
  #remaining: number;
  #closed = false;
  #unlisten: () => void;

  constructor(work: Iterable<unknown>, signal: AbortSignal | undefined) {
    const promises = signal?.aborted ? [] : startAll(work, this.#controller.signal);
    this.#remaining = promises.length;
    for (const promise of promises) {
      promise.then(
        (value) => this.#settle({ ok: true, value }),
        (error: unknown) => this.#settle({ ok: false, error }),
      );
    }
    if (signal?.aborted) {
      this.#ready.push({ ok: false, error: signal.reason });
      this.#remaining = 1;
    }
    this.#unlisten = listenAbort(signal, (reason) => {
      // The abort is reported at the front, ahead of results not yet taken.
      this.#abortWork(reason);
      this.#ready.unshift({ ok: false, error: reason });
      this.#remaining++;
      this.#serve();
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#closed || (this.#remaining === 0 && this.#ready.length === 0)) {
      return Promise.resolve({ value: undefined, done: true });
    }
    const waiter = deferred<IteratorResult<unknown>>();
    this.#waiters.push(waiter);
    this.#serve();
    return waiter.promise;
  }

  return(): Promise<IteratorResult<unknown>> {
    this.#close();
    return Promise.resolve({ value: undefined, done: true });
  }

  #settle(outcome: Outcome): void {
    if (this.#closed) return;
    this.#ready.push(outcome);
    this.#serve();
  }

  #serve(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters.peekFront() as Deferred<IteratorResult<unknown>>;
      if (this.#closed || (this.#remaining === 0 && this.#ready.length === 0)) {
        this.#waiters.shift();
        waiter.resolve({ value: undefined, done: true });
        continue;
      }
      const outcome = this.#ready.shift();
      if (outcome === undefined) return;
      this.#waiters.shift();
      if (--this.#remaining === 0) this.#unlisten(); // all handed over: the outer signal has nothing left to stop
      if (outcome.ok) {
        waiter.resolve({ value: outcome.value, done: false });
      } else {
        this.#close();
        waiter.reject(outcome.error);
      }
    }
  }

  #abortWork(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    this.#ready.drain();
    this.#abortWork(new CancelledError("Cancelled by asCompleted: the iteration stopped"));
    this.#serve();
  }
}
