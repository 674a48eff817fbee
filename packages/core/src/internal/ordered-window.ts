/**
 * The consumer half of every map engine (the async `map` and the executors'
 * `imap`/`imapUnordered`): results that arrived and wait for the consumer,
 * handed out in input order (by position) or in arrival order, to a
 * consumer calling `next()` before or after they arrive, then the end of the
 * run: its error once, then `done`.
 *
 *     taken            put(index)
 *       v                v
 *   [ r | _ | r | r | _ ]       ring: slot = index & mask; "_" = not arrived
 *
 * Ordered results go in place into a ring buffer indexed by position: no
 * object per result, no sorting. The ring doubles when a result lands
 * beyond it, so it is as large as the engine's window (the positions between
 * the consumer and the furthest result) and no larger; the engine keeps
 * that window bounded. Unordered results queue in a FIFO.
 *
 * The producing half (pulling the source, running the work, parking while
 * the window is full, stopping) is each engine's own: the async map runs
 * `fn` per item in the caller's thread, the executors send chunks to
 * workers.
 *
 * @internal
 * @module
 */
import { type Deferred, deferred } from "./deferred.js";
import { Deque } from "./deque.js";

const EMPTY: unique symbol = Symbol("empty");
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** @internal */
export class OrderedWindow<T> {
  readonly #ordered: boolean;
  readonly #onTake: (served: boolean) => void;
  #ring: (T | typeof EMPTY)[];
  #mask: number;
  readonly #fifo = new Deque<T>();
  #taken = 0;
  readonly #waiters = new Deque<Deferred<IteratorResult<T>>>();
  #ended = false;
  #error: unknown = EMPTY;

  /**
   * @param ordered Hand results out by position (`put`'s index) rather than in arrival order.
   * @param onTake Called after each result handed to the consumer (the engine makes room for more
   *   work); `served` when it went to a consumer waiting in `next()`, whose code has not run yet.
   * @param capacity First size of the ring (a power of two); it grows as results land further ahead.
   */
  constructor(ordered: boolean, onTake: (served: boolean) => void, capacity = 16) {
    this.#ordered = ordered;
    this.#onTake = onTake;
    this.#ring = ordered ? new Array<T | typeof EMPTY>(capacity).fill(EMPTY) : [];
    this.#mask = capacity - 1;
  }

  /** Results handed to the consumer so far (the position of the next one when ordered). */
  get taken(): number {
    return this.#taken;
  }

  /** Whether the next result (in order when ordered) has arrived. */
  get ready(): boolean {
    return this.#ordered ? this.#ring[this.#taken & this.#mask] !== EMPTY : this.#fifo.length > 0;
  }

  /** Stores the result at position `index` (ignored when unordered) and serves a waiting consumer. */
  put(index: number, value: T): void {
    if (this.#ordered) {
      if (index - this.#taken > this.#mask) this.#grow(index - this.#taken + 1);
      this.#ring[index & this.#mask] = value;
    } else {
      this.#fifo.push(value);
    }
    if (this.#waiters.length > 0) this.#serve();
  }

  /** Takes the next result; only when `ready`. */
  take(): T {
    return this.#take(false);
  }

  #take(served: boolean): T {
    let value: T;
    if (this.#ordered) {
      const slot = this.#taken & this.#mask;
      value = this.#ring[slot] as T;
      this.#ring[slot] = EMPTY;
    } else {
      value = this.#fifo.shift() as T;
    }
    this.#taken++;
    this.#onTake(served);
    return value;
  }

  /** The consumer's `next()`: the next result, or the end once the run ended and nothing is ready. */
  next(): Promise<IteratorResult<T>> {
    if (this.ready) return Promise.resolve({ value: this.take(), done: false });
    if (this.#ended) return this.#end();
    const waiter = deferred<IteratorResult<T>>();
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  /** Ends the run: results already here are still handed out, then `done`. */
  end(): void {
    this.#ended = true;
    if (this.#waiters.length > 0) this.#serve();
  }

  /** Ends the run with `error`: results already here first, then `error` once, then `done`. */
  fail(error: unknown): void {
    this.#error = error;
    this.end();
  }

  #serve(): void {
    const waiters = this.#waiters;
    while (waiters.length > 0) {
      if (this.ready) (waiters.shift() as Deferred<IteratorResult<T>>).resolve({ value: this.#take(true), done: false });
      else if (this.#ended) {
        const waiter = waiters.shift() as Deferred<IteratorResult<T>>;
        this.#end().then(waiter.resolve, waiter.reject);
      } else return;
    }
  }

  /** The end of the iteration: the error once, then done. */
  #end(): Promise<IteratorResult<T>> {
    const error = this.#error;
    if (error === EMPTY) return Promise.resolve(DONE);
    this.#error = EMPTY;
    return Promise.reject(error);
  }

  #grow(needed: number): void {
    let capacity = this.#ring.length * 2;
    while (capacity < needed) capacity *= 2;
    const old = this.#ring;
    const oldMask = this.#mask;
    const ring = new Array<T | typeof EMPTY>(capacity).fill(EMPTY);
    const mask = capacity - 1;
    // Every result still in the old ring lies within oldMask + 1 positions of `taken`.
    for (let i = this.#taken; i <= this.#taken + oldMask; i++) ring[i & mask] = old[i & oldMask] as T | typeof EMPTY;
    this.#ring = ring;
    this.#mask = mask;
  }
}
