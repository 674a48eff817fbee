/**
 * The engine of {@link map}: one run over a source.
 *
 * Why it is fast: the work is done by `concurrency` long-lived async workers
 * that pull the next item themselves, exactly like a hand-written loop. No
 * promise is made per item beyond `fn`'s own (an `await` on it), no closure
 * is made per item, and results are put in place: into the output array when
 * collecting, into the ring of an {@link OrderedWindow} indexed by the
 * item's position when iterating in order.
 *
 *     taken            next (items pulled)
 *       v                v
 *   [ r | _ | r | r | _ ]       ring: slot = index & mask; "_" = still running
 *
 * The consumer takes results from `taken` on; workers stop pulling while
 * `next - taken` reaches the window (`buffersize`, by default twice the
 * concurrency), so a slow consumer stops the pulling and memory stays flat
 * over an endless source. An async source is pulled through a
 * {@link SourcePuller}, so a stop never waits for the source's next item.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { CancelledError } from "../internal/errors.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { OrderedWindow } from "../internal/ordered-window.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { SourcePuller } from "../internal/source-puller.js";
import type { MapContext, MapIterable } from "./map.js";

/** @internal */
export type Source<T> = Iterable<T> | AsyncIterable<T>;
/** @internal */
export type Fn<T, R> = (item: T, context: MapContext) => R | PromiseLike<R>;

/** @internal How a run is set up (checked by `map`). */
export interface MapRunSettings {
  /** Most calls of `fn` in flight. */
  concurrency: number;
  /** Most items pulled and not yet taken by the consumer: `buffersize`, or twice the concurrency. */
  window: number;
  ordered: boolean;
  /** Yield `PromiseSettledResult`s (`collectErrors`). */
  settle: boolean;
  signal: AbortSignal | undefined;
}

const EMPTY: unique symbol = Symbol("empty");
const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true }) as IteratorResult<never>;

/** @internal */
export class MapRun implements MapIterable<unknown> {
  readonly #fn: Fn<unknown, unknown>;
  readonly #concurrency: number;
  readonly #window: number; // most items pulled but not yet taken by the consumer
  readonly #wakeAt: number; // parked workers wake once next - taken is down to this
  readonly #ordered: boolean;
  readonly #settle: boolean;
  readonly #outer: AbortSignal | undefined;
  readonly #controller = ownedController();
  /** The caller's async context, till the run starts (then dropped: a finished run held by someone keeps no context alive). */
  #run: (<R>(fn: () => R) => R) | undefined;
  #source: Source<unknown> | undefined;
  readonly #isAsync: boolean;
  #iterator: Iterator<unknown> | undefined; // a sync source's
  #puller: SourcePuller<unknown> | undefined; // an async source's
  #closing: Promise<unknown> | undefined; // the async source ending after a stop

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
  // Iterating: results wait for the consumer here.
  readonly #results: OrderedWindow<unknown>;
  #space: Deferred<void> | undefined; // parked workers wait on it
  #closed: Deferred<void> | undefined; // resolves when the run has finished

  constructor(source: Source<unknown>, isAsync: boolean, fn: Fn<unknown, unknown>, settings: MapRunSettings) {
    this.#source = source;
    this.#isAsync = isAsync;
    this.#fn = fn;
    this.#window = settings.window;
    // More workers than places in the window would only park.
    this.#concurrency = Math.min(settings.concurrency, settings.window);
    // Wake the parked workers only once there is room for all of them (or
    // half the window is free, when it is no larger than the concurrency),
    // so one take does not wake a hundred workers to let one through.
    this.#wakeAt =
      this.#window === Number.POSITIVE_INFINITY
        ? this.#window
        : Math.max(this.#window - this.#concurrency, Math.floor(this.#window / 2));
    this.#ordered = settings.ordered;
    this.#settle = settings.settle;
    this.#outer = settings.signal;
    this.#results = new OrderedWindow(settings.ordered, this.#onTake);
    // fn runs in the context of the caller of map(), not of the first next().
    this.#run = AsyncLocalStorage.snapshot();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (!this.#started) this.#start();
    return this.#results.next();
  }

  /** Leaving the loop early: stop pulling, abort the work in flight, wait for it to settle. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.#started) {
      this.#started = this.#finished = true; // never started: no iterator to close
      this.#source = undefined;
      this.#run = undefined;
      this.#results.end();
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
      this.#start();
      return this.#collected.promise;
    }
    return drain(this);
  }

  #start(): void {
    this.#started = true;
    const run = this.#run as <R>(fn: () => R) => R;
    this.#run = undefined;
    if (this.#outer?.aborted) {
      this.#error = this.#outer.reason;
      this.#stopped = true;
      this.#onWorkersDone();
      return;
    }
    this.#unlisten = listenAbort(this.#outer, (reason) => this.#stop(reason, reason));
    const source = this.#source as Source<unknown>;
    this.#active++; // guard: the run cannot finish while workers are being started
    run(() => {
      if (Array.isArray(source)) {
        const n = Math.min(this.#concurrency, source.length);
        for (let i = 0; i < n && !this.#stopped; i++) {
          this.#active++;
          void this.#arrayWorker(source);
        }
        this.#exhausted = true; // nothing to close
        return;
      }
      try {
        if (this.#isAsync) this.#puller = new SourcePuller((source as AsyncIterable<unknown>)[Symbol.asyncIterator]());
        else this.#iterator = (source as Iterable<unknown>)[Symbol.iterator]();
      } catch (error) {
        this.#exhausted = true; // no iterator: nothing to close
        this.#stop(error, error);
        return;
      }
      if (this.#isAsync) {
        this.#active++;
        void this.#asyncWorker();
        return;
      }
      for (let i = 0; i < this.#concurrency && !this.#stopped && !this.#exhausted; i++) {
        this.#active++;
        void this.#syncWorker(this.#iterator as Iterator<unknown>);
      }
    });
    this.#workerDone();
  }

  async #arrayWorker(items: readonly unknown[]): Promise<void> {
    const fn = this.#fn;
    const signal = this.#controller.signal;
    while (!this.#stopped) {
      if (this.#next - this.#taken >= this.#window && (await this.#park())) continue;
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
      if (this.#next - this.#taken >= this.#window && (await this.#park())) continue;
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
    const puller = this.#puller as SourcePuller<unknown>;
    while (!this.#stopped && !this.#exhausted) {
      // Pulls under way count as taken places of the window.
      if (this.#next + this.#pulls - this.#taken >= this.#window && (await this.#park())) continue;
      // The puller asks the source for one item at a time, in order.
      let step: IteratorResult<unknown>;
      this.#pulls++;
      try {
        step = await puller.pull();
        this.#pulls--;
      } catch (error) {
        this.#pulls--;
        this.#exhausted = true; // a rejecting iterator is finished
        this.#stop(error, error);
        break;
      }
      if (this.#stopped) break; // a DONE from the puller after a stop is not the source's end
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

  #failed(index: number, error: unknown): void {
    if (this.#stopped) return; // work aborted by the stop: its rejection is expected
    if (this.#settle) this.#deliver(index, { status: "rejected", reason: error }, false);
    else this.#stop(error, new CancelledError("Cancelled by map: another item failed", { cause: error }));
  }

  #deliver(index: number, value: unknown, ok: boolean): void {
    const result = this.#settle && ok ? { status: "fulfilled", value } : value;
    if (this.#sink !== undefined) {
      this.#sink[this.#ordered ? index : this.#taken] = result;
      this.#consumed();
      return;
    }
    this.#results.put(index, result);
  }

  /**
   * A result went to the consumer (or the output array): count it, and wake
   * the parked workers once there is room for them all. A result handed to
   * a consumer waiting in next() counts a microtask later, once the consumer
   * has it in hand, and woken workers resume a microtask later too: the
   * source never sees more than the window of items the consumer has not
   * received.
   */
  readonly #onTake = (served: boolean): void => {
    if (served) queueMicrotask(this.#consumed);
    else this.#consumed();
  };

  readonly #consumed = (): void => {
    this.#taken++;
    if (this.#space !== undefined && this.#next - this.#taken <= this.#wakeAt) {
      const space = this.#space;
      this.#space = undefined;
      queueMicrotask(space.resolve as () => void);
    }
  };

  /** Waits for the consumer to take a result. Returns true (so the caller loops to re-check). */
  async #park(): Promise<boolean> {
    this.#space ??= deferred<void>();
    await this.#space.promise;
    return true;
  }

  #stop(error: unknown, abortReason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#error = error;
    this.#unlisten();
    this.#controller.abort(abortReason);
    // Workers waiting on the source are released now, not at its next item.
    if (this.#puller !== undefined) this.#closing = this.#puller.close();
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
    if (this.#puller === undefined && !this.#exhausted) this.#closeSource();
    const closing = this.#closing;
    if (closing === undefined) this.#finish();
    else closing.then(this.#finish, this.#finish);
  }

  /** Closes a sync source left early (its `return()`), ignoring its errors. */
  #closeSource(): void {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#source = undefined;
    try {
      iterator?.return?.();
    } catch {
      // The run's own outcome is what the caller hears about.
    }
  }

  readonly #finish = (): void => {
    this.#finished = true;
    this.#stopped = true;
    this.#source = undefined;
    if (this.#collected !== undefined) {
      if (this.#error === EMPTY) this.#collected.resolve(this.#sink as unknown[]);
      else this.#collected.reject(this.#error);
      this.#sink = undefined;
      this.#results.end(); // the outcome went to toArray()
    } else if (this.#error === EMPTY) {
      this.#results.end();
    } else {
      this.#results.fail(this.#error);
    }
    this.#error = EMPTY;
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
