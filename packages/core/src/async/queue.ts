/**
 * `Queue`: a first-in, first-out queue for producer and consumer tasks.
 *
 * @module
 */
import { JuggleError, QueueShutDown } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { checkInteger, checkOptions, describe } from "../internal/validate.js";
import { WaiterList } from "../internal/waiters.js";
import type { WaitOptions } from "./lock.js";
import { QueueIterator } from "./queue-iterator.js";
import { enqueue, RESOLVED, rejectAll, signalOf, takeLive, type Waiter, wakeAll } from "./waiter.js";

/** Options of {@link Queue}, {@link LifoQueue} and {@link PriorityQueue}. */
export interface QueueOptions {
  /**
   * The most items the queue holds; `put()` waits while it is full. `0` (the
   * default, as in Python) or `Infinity` means no limit.
   */
  maxsize?: number;
}

/** What {@link Queue.tryPut} returns. */
export type TryPutResult = { readonly ok: true } | { readonly ok: false; readonly reason: "full" | "shutdown" };

/** What {@link Queue.tryGet} returns. */
export type TryGetResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: "empty" | "shutdown" };

/**
 * Where a queue keeps its items; the order `take()` follows is the queue's
 * discipline. `take()` is only called when `length > 0`.
 */
export interface QueueStore<T> {
  readonly length: number;
  push(item: T): void;
  take(): T;
  clear(): void;
}

const PUT_OK: TryPutResult = Object.freeze({ ok: true });
const FULL: TryPutResult = Object.freeze({ ok: false, reason: "full" });
const PUT_SHUTDOWN: TryPutResult = Object.freeze({ ok: false, reason: "shutdown" });
const EMPTY: TryGetResult<never> = Object.freeze({ ok: false, reason: "empty" });
const GET_SHUTDOWN: TryGetResult<never> = Object.freeze({ ok: false, reason: "shutdown" });

/** The first-in, first-out store: a ring buffer. */
class FifoStore<T> extends Deque<T> implements QueueStore<T> {
  take(): T {
    return this.shift() as T;
  }
  clear(): void {
    while (this.length > 0) this.pop();
  }
}

/**
 * A queue of items between producer and consumer tasks. `put()` waits while
 * the queue is full, `get()` while it is empty; `tryPut()`/`tryGet()` never
 * wait and say why they could not. Waiting putters and getters are served
 * first come, first served: an item put while getters wait goes straight to
 * the first of them.
 *
 * Every item put counts as an unfinished task until a consumer calls
 * `taskDone()` for it; `join()` waits until none is left. `shutdown()` ends
 * the queue as in Python 3.13.
 *
 * An aborted `get()` leaves no trace: either it resolved with the item (the
 * caller owns it) or it rejected and the item is still in the queue. The
 * same holds for `put()`.
 *
 * Python: `asyncio.Queue` (3.13, with `shutdown`).
 *
 * @example Producer and consumers
 * ```ts
 * import { Queue } from "juggle-core";
 *
 * const queue = new Queue<number>({ maxsize: 2 });
 * const consumer = (async () => {
 *   let total = 0;
 *   for await (const n of queue) {
 *     total += n;
 *     queue.taskDone();
 *   }
 *   return total;
 * })();
 * for (const n of [1, 2, 3, 4]) await queue.put(n);
 * await queue.join();
 * queue.shutdown();
 * console.log(await consumer); // 10
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  readonly #limit: number;
  readonly #store: QueueStore<T>;
  readonly #getters = new WaiterList<Waiter<T>>();
  readonly #putters = new WaiterList<Waiter<void, T>>();
  readonly #joiners = new WaiterList<Waiter<void>>();
  #unfinished = 0;
  #shutdown: "no" | "graceful" | "immediate" = "no";
  /** The class name, for error messages. */
  readonly #name: string;

  /**
   * @throws {TypeError} When `options` or `maxsize` is not what it should be.
   * @throws {RangeError} When `maxsize` is negative, NaN or not an integer.
   */
  constructor(options?: QueueOptions) {
    this.#name = new.target.name;
    const { maxsize = 0 } = checkOptions<QueueOptions>(`create ${this.#name}`, options);
    this.#maxsize = checkInteger(`create ${this.#name}`, "maxsize", maxsize, { allowInfinity: true });
    this.#limit = this.#maxsize === 0 ? Number.POSITIVE_INFINITY : this.#maxsize;
    this.#store = this.createStore(options ?? {});
  }

  /**
   * Makes the store that holds the items, deciding the order of `get()`.
   * Called once, by the constructor, before the subclass's fields exist: it
   * may only use its argument.
   */
  protected createStore(_options: QueueOptions): QueueStore<T> {
    return new FifoStore<T>();
  }

  /** The number of items in the queue. Python: `qsize()`. */
  get size(): number {
    return this.#store.length;
  }

  /** The most items the queue holds; `0` or `Infinity` for no limit. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** True when the queue holds no item. Python: `empty()`. */
  get empty(): boolean {
    return this.#store.length === 0;
  }

  /** True when `put()` would wait. Python: `full()`. */
  get full(): boolean {
    return this.#store.length >= this.#limit;
  }

  /** True once `shutdown()` was called. */
  get isShutDown(): boolean {
    return this.#shutdown !== "no";
  }

  /** Items put and not yet marked done with `taskDone()`. */
  get unfinishedTasks(): number {
    return this.#unfinished;
  }

  /**
   * Puts an item, waiting while the queue is full.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise that resolves once the item is in the queue (or in a
   * getter's hands); rejects with {@link QueueShutDown} when the queue is or
   * gets shut down first, and with `signal.reason` when the signal aborts
   * first (the item is then not in the queue).
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(`put into ${this.#name}`, options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#shutdown !== "no") return Promise.reject(this.#refusePut());
    // Room in the store implies no putter waits: get() refills from putters.
    if (this.#store.length < this.#limit) {
      try {
        this.#add(item);
      } catch (error) {
        return Promise.reject(error);
      }
      return RESOLVED;
    }
    return enqueue(this.#putters, signal, item);
  }

  /**
   * Puts an item if there is room, without waiting. Python: `put_nowait()`,
   * returning a result instead of raising `QueueFull`.
   *
   * @throws {TypeError} From a {@link PriorityQueue} whose items cannot be
   * ordered.
   * @returns `{ ok: true }`, or `{ ok: false, reason }` with reason `"full"`
   * or `"shutdown"`.
   */
  tryPut(item: T): TryPutResult {
    if (this.#shutdown !== "no") return PUT_SHUTDOWN;
    if (this.#store.length >= this.#limit) return FULL;
    this.#add(item);
    return PUT_OK;
  }

  /**
   * Removes and returns an item, waiting while the queue is empty.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise of the item; rejects with {@link QueueShutDown} when
   * the queue is shut down and empty (or gets so while waiting), and with
   * `signal.reason` when the signal aborts first (no item is taken then).
   */
  get(options?: WaitOptions): Promise<T> {
    const signal = options === undefined ? undefined : signalOf(`get from ${this.#name}`, options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#store.length > 0) {
      try {
        return Promise.resolve(this.#take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#shutdown !== "no") return Promise.reject(this.#refuseGet());
    return enqueue(this.#getters, signal);
  }

  /**
   * Removes and returns an item if there is one, without waiting. Python:
   * `get_nowait()`, returning a result instead of raising `QueueEmpty`.
   *
   * @returns `{ ok: true, value }`, or `{ ok: false, reason }` with reason
   * `"empty"` or `"shutdown"` (shut down and empty).
   */
  tryGet(): TryGetResult<T> {
    if (this.#store.length > 0) return { ok: true, value: this.#take() };
    return this.#shutdown === "no" ? EMPTY : GET_SHUTDOWN;
  }

  /**
   * Marks one item taken with `get()` as processed, for `join()`.
   *
   * @throws {JuggleError} With code `ERR_JUGGLE_TASK_DONE_TOO_OFTEN` when
   * called more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinished === 0) {
      throw new JuggleError(
        `Cannot mark a task done in ${this.#name} as every item put is already done: taskDone() called too many times`,
        "ERR_JUGGLE_TASK_DONE_TOO_OFTEN",
      );
    }
    if (--this.#unfinished === 0) wakeAll(this.#joiners, undefined);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns A promise that resolves when no task is unfinished; rejects with
   * {@link QueueShutDown} after an immediate shutdown that left unfinished
   * tasks, and with `signal.reason` when the signal aborts first.
   */
  join(options?: WaitOptions): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(`join ${this.#name}`, options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#unfinished === 0) return RESOLVED;
    if (this.#shutdown === "immediate") return Promise.reject(this.#refuseJoin());
    return enqueue(this.#joiners, signal);
  }

  /**
   * Shuts the queue down, as in Python 3.13. From now on `put()` rejects with
   * {@link QueueShutDown} (waiting putters too), and `get()` does once the
   * queue is empty (waiting getters at once, since they wait on an empty
   * queue).
   *
   * With `immediate`, the items left are dropped (and count as done), so
   * `get()` rejects at once, and every `join()` waiting is released: it
   * resolves if no task is left unfinished, else it rejects with
   * {@link QueueShutDown}. Nothing is left pending.
   *
   * @param immediate Drop the items left instead of letting them be drained.
   * @throws {TypeError} When `immediate` is not a boolean.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== "boolean") {
      throw new TypeError(
        `Cannot shut down ${this.#name} as 'immediate' must be a boolean: received ${describe(immediate)}`,
      );
    }
    if (immediate) {
      this.#shutdown = "immediate";
      this.#unfinished -= Math.min(this.#unfinished, this.#store.length);
      this.#store.clear();
      if (this.#unfinished === 0) wakeAll(this.#joiners, undefined);
      else rejectAll(this.#joiners, this.#refuseJoin());
    } else if (this.#shutdown === "no") {
      this.#shutdown = "graceful";
    }
    rejectAll(this.#putters, this.#refusePut());
    if (this.#store.length === 0) rejectAll(this.#getters, this.#refuseGet());
  }

  /**
   * Iterates over the items as `get()` returns them, ending when the queue is
   * shut down and empty. Call `taskDone()` yourself if you use `join()`.
   * Leaving the loop early (`break`) takes no further item.
   *
   * @throws {TypeError} When `options` or `signal` is not what it should be.
   * @returns An async iterator; its `next()` rejects with `signal.reason`
   * once the signal aborts.
   */
  values(options?: WaitOptions): AsyncIterableIterator<T, undefined, undefined> {
    const signal = options === undefined ? undefined : signalOf(`iterate over ${this.#name}`, options);
    return new QueueIterator(this, signal);
  }

  /** Same as {@link values} without a signal: `for await (const x of queue)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined, undefined> {
    return new QueueIterator(this, undefined);
  }

  /** Counts a new item and gives it to the first live getter, else stores it. */
  #add(item: T): void {
    const getter = takeLive(this.#getters);
    if (getter === undefined) {
      this.#store.push(item); // may throw (PriorityQueue's compare): then nothing changed
    } else {
      getter.resolve(item);
    }
    this.#unfinished++;
  }

  /** Takes the next item from the store, and lets the first waiting putter in. */
  #take(): T {
    const item = this.#store.take();
    for (;;) {
      const putter = takeLive(this.#putters);
      if (putter === undefined) break;
      try {
        this.#store.push(putter.data);
      } catch (error) {
        putter.reject(error);
        continue;
      }
      this.#unfinished++;
      putter.resolve();
      break;
    }
    return item;
  }

  #refusePut(): QueueShutDown {
    return new QueueShutDown(`Cannot put into ${this.#name} as it is shut down`);
  }

  #refuseGet(): QueueShutDown {
    return new QueueShutDown(`Cannot get from ${this.#name} as it is shut down and empty`);
  }

  #refuseJoin(): QueueShutDown {
    return new QueueShutDown(`Cannot join ${this.#name} as it was shut down immediately with unfinished tasks`);
  }
}
