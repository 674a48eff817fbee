/**
 * The engine of {@link map}: one run over a source.
 *
 * Why it is fast: the work is done by `concurrency` long-lived async workers
 * that pull the next item themselves, exactly like a hand-written loop. No
 * promise is made per item beyond `fn`'s own (an `await` on it), no closure
 * is made per item, and results are put in place: into the output array when
 * collecting, into a ring buffer indexed by the item's position when
 * iterating in order.
 *
 *     taken            next (items pulled)
 *       v                v
 *   [ r | _ | r | r | _ ]       ring: slot = index & mask; "_" = still running
 *
 * The consumer takes results from `taken` on; workers stop pulling while
 * `next - taken` reaches the window (twice the concurrency), so a slow
 * consumer stops the pulling and memory stays flat over an endless source.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { CancelledError } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { listenAbort } from "../internal/signal.js";
import type { MapContext, MapIterable } from "./map.js";

/** @internal */
export type Source<T> = Iterable<T> | AsyncIterable<T>;
/** @internal */
export type Fn<T, R> = (item: T, context: MapContext) => R | PromiseLike<R>;

const EMPTY: unique symbol = Symbol("empty");
const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true }) as IteratorResult<never>;

/** @internal */
export class MapRun implements MapIterable<unknown> {
  readonly #fn: Fn<unknown, unknown>;
  readonly #concurrency: number;
  readonly #window: number; // most items pulled but not yet taken by the consumer
  #limit: number; // the window, or the ring's size while the ring is smaller
  readonly #ordered: boolean;
  readonly #settle: boolean;
  readonly #outer: AbortSignal | undefined;
  readonly #controller = new AbortController();
  readonly #run: <R>(fn: () => R) => R;
  #source: Source<unknown> | undefined;
  readonly #isAsync: boolean;
  #iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #pullTail: Promise<unknown> = Promise.resolve();

  #started = false;
  #active = 0; // workers alive (+1 while starting them)
  #next = 0; // items pulled so far = index of the next item
  #pulls = 0; // pulls of an async source under way
  #taken = 0; // results handed to the consumer (or the output array)
  #exhausted = false;
  #stopped = false;
  #finished = false;
  #error: unknown = EMPTY;
  #unlisten: () => void = noop;

  // Collecting: results go straight here.
  #sink: unknown[] | undefined;
  #collected: Deferred<unknown[]> | undefined;
  // Iterating: a ring by index (ordered) or a FIFO (unordered).
  #ring: unknown[] = [];
  #mask = 0;
  readonly #fifo = new Deque<unknown>();
  readonly #waiters = new Deque<Deferred<IteratorResult<unknown>>>();
  #space: Deferred<void> | undefined; // parked workers wait on it
  #closed: Deferred<void> | undefined; // resolves when the run has finished

  constructor(
    source: Source<unknown>,
    isAsync: boolean,
    fn: Fn<unknown, unknown>,
    concurrency: number,
    ordered: boolean,
    settle: boolean,
    signal: AbortSignal | undefined,
  ) {
    this.#source = source;
    this.#isAsync = isAsync;
    this.#fn = fn;
    this.#concurrency = concurrency;
    this.#window = concurrency * 2;
    this.#limit = this.#window;
    this.#ordered = ordered;
    this.#settle = settle;
    this.#outer = signal;
    // fn runs in the context of the caller of map(), not of the first next().
    this.#run = AsyncLocalStorage.snapshot();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (!this.#started) this.#start(false);
    if (this.#ready()) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#finished) return this.#end();
    const waiter = deferred<IteratorResult<unknown>>();
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  /** Leaving the loop early: stop pulling, abort the work in flight, wait for it to settle. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.#started) {
      this.#started = this.#finished = true; // never started: no iterator to close
      this.#source = undefined;
      return Promise.resolve(DONE);
    }
    this.#stop(EMPTY, new CancelledError("Cancelled by map: the consumer stopped iterating"));
    this.#error = EMPTY; // the consumer asked for the stop: nothing to report
    if (this.#finished) return Promise.resolve(DONE);
    this.#closed ??= deferred<void>();
    return this.#closed.promise.then(() => DONE);
  }

  toArray(): Promise<unknown[]> {
    if (!this.#started) {
      this.#collected = deferred<unknown[]>();
      // Sized up front for an array: growing a 200,000-slot array as results
      // arrive costs more than the whole scheduling loop.
      this.#sink = Array.isArray(this.#source) ? new Array((this.#source as unknown[]).length) : [];
      this.#start(true);
      return this.#collected.promise;
    }
    return drain(this);
  }

  #start(collect: boolean): void {
    this.#started = true;
    if (this.#outer?.aborted) {
      this.#error = this.#outer.reason;
      this.#stopped = true;
      this.#onWorkersDone();
      return;
    }
    this.#unlisten = listenAbort(this.#outer, (reason) => this.#stop(reason, reason));
    if (!collect && this.#ordered) this.#grow(16);
    const source = this.#source as Source<unknown>;
    this.#active++; // guard: the run cannot finish while workers are being started
    this.#run(() => {
      if (this.#isAsync) {
        this.#iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        this.#active++;
        void this.#asyncWorker();
      } else if (Array.isArray(source)) {
        const n = Math.min(this.#concurrency, source.length);
        for (let i = 0; i < n && !this.#stopped; i++) {
          this.#active++;
          void this.#arrayWorker(source);
        }
        this.#exhausted = true; // nothing to close
      } else {
        try {
          this.#iterator = (source as Iterable<unknown>)[Symbol.iterator]();
        } catch (error) {
          this.#stop(error, error);
        }
        for (let i = 0; i < this.#concurrency && !this.#stopped && !this.#exhausted; i++) {
          this.#active++;
          void this.#syncWorker(this.#iterator as Iterator<unknown>);
        }
      }
    });
    this.#workerDone();
  }

  async #arrayWorker(items: readonly unknown[]): Promise<void> {
    const fn = this.#fn;
    const signal = this.#controller.signal;
    while (!this.#stopped) {
      if (this.#next - this.#taken >= this.#limit && (await this.#park())) continue;
      const index = this.#next;
      if (index >= items.length) break;
      this.#next = index + 1;
      let value: unknown;
      try {
        value = await fn(items[index], { signal, index });
      } catch (error) {
        this.#failed(index, error);
        continue;
      }
      if (!this.#stopped) this.#deliver(index, value, true);
    }
    this.#workerDone();
  }

  async #syncWorker(iterator: Iterator<unknown>): Promise<void> {
    const fn = this.#fn;
    const signal = this.#controller.signal;
    while (!this.#stopped && !this.#exhausted) {
      if (this.#next - this.#taken >= this.#limit && (await this.#park())) continue;
      let step: IteratorResult<unknown>;
      try {
        step = iterator.next();
      } catch (error) {
        this.#exhausted = true; // a throwing iterator is finished
        this.#stop(error, error);
        break;
      }
      if (step.done) {
        this.#exhausted = true;
        break;
      }
      const index = this.#next++;
      let value: unknown;
      try {
        value = await fn(step.value, { signal, index });
      } catch (error) {
        this.#failed(index, error);
        continue;
      }
      if (!this.#stopped) this.#deliver(index, value, true);
    }
    this.#workerDone();
  }

  async #asyncWorker(): Promise<void> {
    const fn = this.#fn;
    const signal = this.#controller.signal;
    while (!this.#stopped && !this.#exhausted) {
      // Pulls under way count as taken places of the window.
      if (this.#next + this.#pulls - this.#taken >= this.#limit && (await this.#park())) continue;
      // Pulls are chained: one next() on the source at a time, in order.
      let step: IteratorResult<unknown>;
      this.#pulls++;
      try {
        const pending = this.#pullTail.then(this.#pull, this.#pull);
        this.#pullTail = pending;
        step = await pending;
        this.#pulls--;
      } catch (error) {
        this.#pulls--;
        this.#exhausted = true; // a rejecting iterator is finished
        this.#stop(error, error);
        break;
      }
      if (this.#stopped) break; // a DONE from #pull after a stop is not the source's end
      if (step.done) {
        this.#exhausted = true;
        break;
      }
      // Ramp up one worker per pull: the pulls are serial anyway.
      if (this.#active < this.#concurrency) {
        this.#active++;
        void this.#asyncWorker();
      }
      const index = this.#next++;
      let value: unknown;
      try {
        value = await fn(step.value, { signal, index });
      } catch (error) {
        this.#failed(index, error);
        continue;
      }
      if (!this.#stopped) this.#deliver(index, value, true);
    }
    this.#workerDone();
  }

  readonly #pull = (): Promise<IteratorResult<unknown>> | IteratorResult<unknown> =>
    this.#stopped || this.#exhausted ? DONE : (this.#iterator as AsyncIterator<unknown>).next();

  #failed(index: number, error: unknown): void {
    if (this.#stopped) return; // work aborted by the stop: its rejection is expected
    if (this.#settle) this.#deliver(index, { status: "rejected", reason: error }, false);
    else this.#stop(error, new CancelledError("Cancelled by map: another item failed", { cause: error }));
  }

  #deliver(index: number, value: unknown, ok: boolean): void {
    const result = this.#settle && ok ? { status: "fulfilled", value } : value;
    if (this.#sink !== undefined) {
      this.#sink[this.#ordered ? index : this.#taken] = result;
      this.#taken++;
      return;
    }
    if (this.#ordered) this.#ring[index & this.#mask] = result;
    else this.#fifo.push(result);
    if (this.#waiters.length > 0) this.#serve();
  }

  #ready(): boolean {
    return this.#ordered ? this.#ring.length > 0 && this.#ring[this.#taken & this.#mask] !== EMPTY : this.#fifo.length > 0;
  }

  #take(): unknown {
    let value: unknown;
    if (this.#ordered) {
      const slot = this.#taken & this.#mask;
      value = this.#ring[slot];
      this.#ring[slot] = EMPTY;
    } else {
      value = this.#fifo.shift();
    }
    this.#taken++;
    // Wake the parked workers only once there is room for all of them, so
    // one take does not wake a hundred workers to let one through.
    if (this.#space !== undefined && this.#next - this.#taken <= this.#window - this.#concurrency) {
      const space = this.#space;
      this.#space = undefined;
      space.resolve();
    }
    return value;
  }

  /** Waits for the consumer to take a result. Returns true (so the caller loops to re-check). */
  async #park(): Promise<boolean> {
    // The ordered ring grows (up to the window) before anyone waits.
    if (this.#limit < this.#window) {
      this.#grow(this.#ring.length * 2);
      return true;
    }
    this.#space ??= deferred<void>();
    await this.#space.promise;
    return true;
  }

  #grow(capacity: number): void {
    if (this.#window !== Number.POSITIVE_INFINITY) capacity = Math.min(capacity, 2 ** Math.ceil(Math.log2(this.#window)));
    if (capacity <= this.#ring.length) return;
    const old = this.#ring;
    const oldMask = this.#mask;
    const ring = new Array<unknown>(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let i = this.#taken; i < this.#next && old.length > 0; i++) ring[i & mask] = old[i & oldMask];
    this.#ring = ring;
    this.#mask = mask;
    this.#limit = Math.min(this.#window, capacity);
  }

  #serve(): void {
    while (this.#waiters.length > 0) {
      if (this.#ready()) (this.#waiters.shift() as Deferred<IteratorResult<unknown>>).resolve({ value: this.#take(), done: false });
      else if (this.#finished) {
        const waiter = this.#waiters.shift() as Deferred<IteratorResult<unknown>>;
        this.#end().then(waiter.resolve, waiter.reject);
      } else return;
    }
  }

  /** The end of the iteration: the error once, then done. */
  #end(): Promise<IteratorResult<unknown>> {
    const error = this.#error;
    if (error === EMPTY) return Promise.resolve(DONE);
    this.#error = EMPTY;
    return Promise.reject(error);
  }

  #stop(error: unknown, abortReason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#error = error;
    this.#unlisten();
    this.#controller.abort(abortReason);
    if (this.#space !== undefined) {
      const space = this.#space;
      this.#space = undefined;
      space.resolve(); // parked workers wake up and leave
    }
  }

  #workerDone(): void {
    if (--this.#active === 0) this.#onWorkersDone();
  }

  #onWorkersDone(): void {
    this.#unlisten();
    const closing = this.#exhausted ? undefined : this.#closeSource();
    if (closing === undefined) this.#finish();
    else closing.then(this.#finish, this.#finish);
  }

  #closeSource(): Promise<unknown> | undefined {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#source = undefined;
    if (iterator?.return === undefined) return undefined;
    try {
      const result = iterator.return();
      return this.#isAsync ? Promise.resolve(result) : undefined;
    } catch {
      return undefined;
    }
  }

  readonly #finish = (): void => {
    this.#finished = true;
    this.#stopped = true;
    if (this.#collected !== undefined) {
      if (this.#error === EMPTY) this.#collected.resolve(this.#sink as unknown[]);
      else this.#collected.reject(this.#error);
      this.#sink = undefined;
    } else {
      this.#serve();
    }
    this.#closed?.resolve();
  };
}

async function drain(iterator: AsyncIterator<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const step = await iterator.next();
    if (step.done) return out;
    out.push(step.value);
  }
}

function noop(): void {}
