/**
 * `Batcher`: gather single items into batches for a bulk handler.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ExecutorClosedError } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { checkFunction, checkInteger, checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";

/** Options of {@link Batcher}. */
export interface BatcherOptions<I, R> {
  /** Handles one batch: must return one result per item, in the same order. */
  handler: (items: I[], context: { signal: AbortSignal }) => R[] | PromiseLike<R[]>;
  /** Items per batch: a full batch is sent at once. Default 100. */
  size?: number;
  /** Milliseconds after a batch's first item when it is sent even if not full (`Infinity`: only when full or flushed). Default 10. */
  delay?: number;
  /** Most batches in the handler at once; further full batches wait their turn. Default 1. */
  concurrency?: number;
  /** Aborting it rejects every item not yet resolved with `signal.reason`, aborts the handlers and closes the batcher. */
  signal?: AbortSignal;
}

/** Options of {@link Batcher.add}. */
export interface BatcherAddOptions {
  /** Aborting it rejects this item's promise with `signal.reason` (and withdraws the item if its batch was not sent yet). */
  signal?: AbortSignal;
}

interface Entry<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
  unlisten: () => void;
  settled: boolean;
}

interface Batch<I, R> {
  entries: Entry<I, R>[];
  done: Deferred<void> | undefined;
}

/**
 * Collects items into batches and sends each batch to one `handler` call:
 * the book's `AsyncBatcher`, done properly.
 *
 * - `add(item)` returns a promise of *that item's* result.
 * - A batch is sent when it holds `size` items, or `delay` ms after its first
 *   item, whichever comes first (or on `flush()`).
 * - At most `concurrency` batches run at once; further batches wait in order.
 * - A handler that throws, or returns anything but an array with one result
 *   per item, rejects every item of that batch. No item is ever dropped or
 *   left pending.
 * - `close()` sends what is pending, waits for it, and refuses new items.
 * - The handler runs in the `AsyncLocalStorage` context where the batcher
 *   was created; each caller resumes in its own context.
 *
 * Python: `AsyncBatcher` (High Performance Python, ch. 8).
 *
 * @example Save primes to a slow database, 100 per request
 * ```ts
 * import { Batcher } from "juggle-core";
 *
 * await using batcher = new Batcher<number, boolean>({
 *   handler: async (primes) => primes.map(() => true), // one bulk request
 *   size: 100,
 *   delay: 50,
 *   concurrency: 10,
 * });
 * const saved = await Promise.all([2, 3, 5, 7].map((p) => batcher.add(p)));
 * console.log(saved); // [true, true, true, true]
 * ```
 */
export class Batcher<I, R> implements AsyncDisposable {
  readonly #handler: BatcherOptions<I, R>["handler"];
  readonly #size: number;
  readonly #delay: number;
  readonly #concurrency: number;
  readonly #controller = ownedController();
  readonly #run = AsyncLocalStorage.snapshot();
  readonly #unlisten: () => void;
  #open: Entry<I, R>[] = [];
  #timer: LongTimeout | undefined;
  readonly #ready = new Deque<Batch<I, R>>();
  readonly #running = new Set<Batch<I, R>>();
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @throws {TypeError} When `handler` is not a function or an option has the wrong type.
   * @throws {RangeError} When `size` or `concurrency` is not a positive integer, or `delay` is negative.
   */
  constructor(options: BatcherOptions<I, R>) {
    const action = "create Batcher";
    const opts = checkOptions<BatcherOptions<I, R>>(action, options);
    checkFunction(action, "handler", opts.handler);
    this.#handler = opts.handler as BatcherOptions<I, R>["handler"];
    this.#size = opts.size === undefined ? 100 : checkInteger(action, "size", opts.size, { min: 1 });
    this.#delay = opts.delay === undefined ? 10 : checkMilliseconds(action, "delay", opts.delay, { allowInfinity: true });
    this.#concurrency =
      opts.concurrency === undefined ? 1 : checkInteger(action, "concurrency", opts.concurrency, { min: 1, allowInfinity: true });
    const signal = checkSignal(action, opts.signal);
    if (signal?.aborted) {
      this.#closed = true;
      this.#controller.abort(signal.reason);
      this.#unlisten = noop;
    } else {
      this.#unlisten = listenAbort(signal, (reason) => this.#abort(reason));
    }
  }

  /** Items added but not sent to the handler yet. */
  get pending(): number {
    let n = this.#open.length;
    for (const batch of this.#ready) n += batch.entries.length;
    return n;
  }

  /** Batches in the handler now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** True once `close()` was called (or the batcher's signal aborted). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds an item to the current batch.
   *
   * @returns A promise of the item's own result.
   * @throws {ExecutorClosedError} (as a rejection) When the batcher is closed.
   */
  add(item: I, options?: BatcherAddOptions): Promise<R> {
    const signal = checkSignal("add an item", checkOptions<BatcherAddOptions>("add an item", options).signal);
    if (this.#controller.signal.aborted) return Promise.reject(this.#controller.signal.reason);
    if (this.#closed) return Promise.reject(new ExecutorClosedError("Cannot add an item as the batcher is closed"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<R>((resolve, reject) => {
      const entry: Entry<I, R> = { item, resolve, reject, unlisten: noop, settled: false };
      if (signal !== undefined) entry.unlisten = listenAbort(signal, (reason) => this.#withdraw(entry, reason));
      this.#open.push(entry);
      if (this.#open.length >= this.#size) this.#seal();
      else if (this.#open.length === 1 && this.#delay !== Number.POSITIVE_INFINITY) {
        this.#timer = setLongTimeout(() => this.#seal(), this.#delay);
      }
    });
  }

  /**
   * Sends the current batch now, and waits until every batch sent so far
   * (this one included) has been handled. Items' own promises carry their
   * results and errors; `flush()` itself never rejects.
   */
  flush(): Promise<void> {
    if (this.#controller.signal.aborted) return Promise.resolve(); // every item was rejected already
    this.#seal();
    const waits: Promise<void>[] = [];
    for (const batch of this.#ready) waits.push((batch.done ??= deferred<void>()).promise);
    for (const batch of this.#running) waits.push((batch.done ??= deferred<void>()).promise);
    return Promise.all(waits).then(noop);
  }

  /** Refuses new items, sends what is pending and waits for it. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.flush().then(() => this.#unlisten());
    return this.#closing;
  }

  /** `await using batcher = new Batcher(...)` closes it when the block ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #seal(): void {
    clearLongTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#open.length === 0) return;
    this.#ready.push({ entries: this.#open, done: undefined });
    this.#open = [];
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const batch = this.#ready.shift() as Batch<I, R>;
      // Items withdrawn while the batch waited are not sent.
      const entries = batch.entries.filter((entry) => !entry.settled);
      if (entries.length === 0) {
        batch.done?.resolve();
        continue;
      }
      batch.entries = entries;
      this.#running.add(batch);
      this.#send(batch);
    }
  }

  #send(batch: Batch<I, R>): void {
    const items = batch.entries.map((entry) => entry.item);
    let pending: R[] | PromiseLike<R[]>;
    try {
      pending = this.#run(() => this.#handler(items, { signal: this.#controller.signal }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    Promise.resolve(pending).then(
      (results) => {
        if (!Array.isArray(results) || results.length !== items.length) {
          const got = Array.isArray(results) ? `${results.length} results` : describe(results);
          this.#finish(batch, (entry) =>
            entry.reject(
              new TypeError(
                `Cannot resolve the batch as the handler must return an array of ${items.length} results: received ${got}`,
              ),
            ),
          );
        } else {
          this.#finish(batch, (entry, i) => entry.resolve(results[i] as R));
        }
      },
      (error: unknown) => this.#finish(batch, (entry) => entry.reject(error)),
    );
  }

  #finish(batch: Batch<I, R>, settle: (entry: Entry<I, R>, index: number) => void): void {
    const entries = batch.entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.settled) continue; // withdrawn or aborted meanwhile
      entry.settled = true;
      entry.unlisten();
      settle(entry, i);
    }
    this.#running.delete(batch);
    batch.done?.resolve();
    this.#dispatch();
  }

  #withdraw(entry: Entry<I, R>, reason: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    const index = this.#open.indexOf(entry);
    if (index !== -1) {
      this.#open.splice(index, 1);
      if (this.#open.length === 0) {
        clearLongTimeout(this.#timer);
        this.#timer = undefined;
      }
    }
    entry.reject(reason);
  }

  #abort(reason: unknown): void {
    this.#closed = true;
    this.#controller.abort(reason);
    clearLongTimeout(this.#timer);
    this.#timer = undefined;
    const batches = [{ entries: this.#open, done: undefined }, ...this.#ready.drain(), ...this.#running];
    this.#open = [];
    for (const batch of batches) {
      for (const entry of batch.entries) {
        if (entry.settled) continue;
        entry.settled = true;
        entry.unlisten();
        entry.reject(reason);
      }
      // A handler that ignores the abort must not keep flush() or close() waiting.
      batch.done?.resolve();
    }
  }
}

function noop(): void {}
