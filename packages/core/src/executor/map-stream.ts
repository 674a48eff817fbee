/**
 * The engine behind `map`, `starmap`, `imap` and `imapUnordered`: cuts the
 * items into chunk jobs, keeps a bounded number of chunks outstanding (so an
 * iterator or async iterator is consumed lazily, with backpressure from a slow
 * consumer), and delivers results in input order or completion order.
 *
 *   source --pull--> [chunk][chunk][chunk] --executor--> results
 *                    \___ at most `window` outstanding ___/
 *
 * A chunk is outstanding from the moment it is formed until its results are
 * consumed (or, for `map`, until they arrive). `map` over a sync source with a
 * fixed chunk size submits every chunk at once, as Python does. With
 * `buffersize`, at most that many items are pulled ahead of the consumer
 * (chunks are cut to fit). Results wait for the consumer in an
 * {@link OrderedWindow}, as in the async `map`; an async source is pulled
 * through a {@link SourcePuller}, so a stop never waits for its next item.
 *
 * @internal
 * @module
 */
import { type Deferred, deferred } from "../internal/deferred.js";
import { OrderedWindow } from "../internal/ordered-window.js";
import { listenAbort } from "../internal/signal.js";
import type { SourcePuller } from "../internal/source-puller.js";
import type { AutoChunker } from "./chunksize.js";
import type { MapOptions } from "./executor.js";
import { type Job, KIND_MAP, KIND_STARMAP } from "./job.js";
import { checkStar, type MapSource, setUpMap } from "./map-setup.js";
import { checkSendable } from "./sendable.js";
import { checkTaskRef, type TaskRef } from "./task.js";

/** What the engine needs from its executor. */
export interface MapHost {
  concurrency(): number;
  enqueue(job: Job): void;
  newJob(
    ref: TaskRef,
    kind: number,
    payload: unknown[],
    resolve: (value: unknown[]) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
    timeout: number,
  ): Job;
  cancelQueued(job: Job, reason: unknown): void;
  checkOpen(action: string): void;
}

class ChunkError {
  constructor(readonly error: unknown) {}
}

/** A running map: an async iterator of results, or (collect mode) one promise of them all. */
export class MapStream implements AsyncIterableIterator<unknown> {
  readonly #host: MapHost;
  readonly #ref: TaskRef;
  readonly #star: boolean;
  readonly #ordered: boolean;
  readonly #action: string;
  #array: readonly unknown[] | undefined;
  #pos = 0;
  #iter: Iterator<unknown> | undefined; // a sync source's
  #puller: SourcePuller<unknown> | undefined; // an async source's
  #closing: Promise<unknown> | undefined; // the async source ending after a stop
  #async = false; // the source is an async iterable
  #exhausted = false;
  #pulling = false;
  #fixed = 0;
  #auto: AutoChunker | undefined;
  #signal: AbortSignal | undefined;
  #timeout = 0;
  #window = 0; // most chunks outstanding
  #buffersize = Number.POSITIVE_INFINITY; // most items pulled ahead of the consumer
  #ahead = 0; // items pulled and not yet consumed (map: not yet arrived)
  #outstanding = 0;
  #nextIndex = 0;
  readonly #inflight = new Set<Job>();
  // Chunk results (or failures) waiting for the consumer, by chunk index or in arrival order.
  readonly #results: OrderedWindow<unknown[] | ChunkError>;
  #current: unknown[] | undefined;
  #currentPos = 0;
  #stopped = false;
  #error: ChunkError | undefined;
  #unlisten: (() => void) | undefined;
  // Collect mode (map): every chunk's results, resolved at the end.
  #collect: Deferred<unknown[]> | undefined;
  #chunks: unknown[][] = [];
  #total = 0;

  constructor(
    host: MapHost,
    ref: TaskRef,
    items: MapSource,
    star: boolean,
    options: MapOptions | undefined,
    ordered: boolean,
    action: string,
    collect?: Deferred<unknown[]>,
  ) {
    this.#host = host;
    this.#ref = ref;
    this.#star = star;
    this.#ordered = ordered;
    this.#action = action;
    this.#collect = collect;
    this.#results = new OrderedWindow(ordered, noop);
    try {
      host.checkOpen(`${action} task`);
      checkTaskRef(`${action} task`, ref);
      this.#action = `${action} task '${ref.name}'`;
      const setup = setUpMap(this.#action, items, options, star, collect !== undefined, host.concurrency());
      this.#array = setup.array;
      this.#iter = setup.iterator;
      this.#puller = setup.puller;
      this.#async = setup.puller !== undefined;
      this.#fixed = setup.fixed;
      this.#auto = setup.auto;
      this.#signal = setup.signal;
      this.#timeout = setup.timeout;
      this.#window = setup.window;
      this.#buffersize = setup.buffersize;
    } catch (error) {
      this.#stopped = true;
      this.#error = new ChunkError(error);
      this.#exhausted = true;
      if (collect) collect.reject(error);
      return;
    }
    if (this.#signal !== undefined) {
      if (this.#signal.aborted) {
        this.#fail(this.#signal.reason);
        return;
      }
      this.#unlisten = listenAbort(this.#signal, (reason) => this.#fail(reason));
    }
    this.#fill();
  }

  // ---- producing chunks ---------------------------------------------------------

  #size(): number {
    let size: number;
    if (this.#fixed > 0) size = this.#fixed;
    else {
      const remaining = this.#array === undefined ? undefined : this.#array.length - this.#pos;
      size = (this.#auto as AutoChunker).next(remaining, this.#host.concurrency());
    }
    // A chunk never takes more than the room left in the buffer.
    return Math.min(size, this.#buffersize - this.#ahead);
  }

  #room(): boolean {
    return this.#outstanding < this.#window && this.#ahead < this.#buffersize;
  }

  readonly #fillLater = (): void => this.#fill();

  #fill(): void {
    if (this.#pulling || this.#stopped) return;
    try {
      while (!this.#exhausted && !this.#stopped && this.#room()) {
        const size = this.#size();
        const array = this.#array;
        let chunk: unknown[];
        if (array !== undefined) {
          if (this.#pos >= array.length) {
            this.#exhausted = true;
            break;
          }
          chunk = array.slice(this.#pos, this.#pos + size);
          this.#pos += chunk.length;
          if (this.#pos >= array.length) this.#exhausted = true;
        } else if (!this.#async) {
          const iter = this.#iter as Iterator<unknown>;
          chunk = [];
          while (chunk.length < size) {
            const r = iter.next();
            if (r.done) {
              this.#exhausted = true;
              break;
            }
            chunk.push(r.value);
          }
          if (chunk.length === 0) break;
          this.#checkChunk(chunk);
        } else {
          void this.#fillAsync();
          return;
        }
        this.#submit(chunk);
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#maybeFinish();
  }

  async #fillAsync(): Promise<void> {
    this.#pulling = true;
    try {
      const puller = this.#puller as SourcePuller<unknown>;
      while (!this.#exhausted && !this.#stopped && this.#room()) {
        const size = this.#size();
        const chunk: unknown[] = [];
        while (chunk.length < size) {
          const r = await puller.pull();
          if (this.#stopped) return;
          if (r.done) {
            this.#exhausted = true;
            break;
          }
          chunk.push(r.value);
        }
        if (chunk.length === 0) break;
        this.#checkChunk(chunk);
        this.#submit(chunk);
      }
    } catch (error) {
      this.#fail(error);
      return;
    } finally {
      this.#pulling = false;
    }
    this.#maybeFinish();
    if (!this.#exhausted && this.#room()) this.#fill();
  }

  #checkChunk(chunk: unknown[]): void {
    const offset = this.#pos;
    this.#pos += chunk.length;
    if (this.#star) checkStar(this.#action, chunk, offset);
    else checkSendable(this.#action, "items", chunk, chunk.length, offset);
  }

  #submit(chunk: unknown[]): void {
    const index = this.#nextIndex++;
    this.#outstanding++;
    this.#ahead += chunk.length;
    const job = this.#host.newJob(
      this.#ref,
      this.#star ? KIND_STARMAP : KIND_MAP,
      chunk,
      (results) => this.#chunkDone(job, results),
      (error) => this.#chunkFailed(job, error),
      this.#signal,
      this.#timeout,
    );
    job.tag = index;
    job.first = this.#pos - chunk.length;
    this.#inflight.add(job);
    this.#host.enqueue(job);
  }

  // ---- receiving results ---------------------------------------------------------

  #chunkDone(job: Job, results: unknown[]): void {
    this.#inflight.delete(job);
    if (this.#auto !== undefined && job.ms >= 0) this.#auto.observe(job.count, job.ms);
    if (this.#stopped) return;
    if (this.#collect !== undefined) {
      this.#chunks[job.tag] = results;
      this.#total += results.length;
      this.#outstanding--;
      this.#ahead -= job.count;
      this.#fill();
      return;
    }
    this.#results.put(job.tag, results);
  }

  #chunkFailed(job: Job, error: unknown): void {
    this.#inflight.delete(job);
    if (this.#stopped) return;
    if (this.#collect !== undefined) {
      this.#fail(error);
      return;
    }
    this.#results.put(job.tag, new ChunkError(error));
  }

  #maybeFinish(): void {
    if (!this.#exhausted || this.#pulling || this.#outstanding > 0 || this.#stopped) {
      if (this.#exhausted && !this.#pulling && this.#outstanding === 0) this.#wake();
      return;
    }
    if (this.#collect !== undefined) {
      this.#stop();
      const out = new Array<unknown>(this.#total);
      let k = 0;
      for (const chunk of this.#chunks) for (let i = 0; i < chunk.length; i++) out[k++] = chunk[i];
      this.#collect.resolve(out);
      return;
    }
    this.#wake();
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.#error = new ChunkError(error);
    this.#stop();
    if (this.#collect !== undefined) this.#collect.reject(error);
    this.#wake();
  }

  /** Stops pulling and removes queued chunks; running ones finish and are ignored. */
  #stop(): void {
    this.#stopped = true;
    this.#unlisten?.();
    this.#unlisten = undefined;
    const reason = this.#error?.error ?? new Error("map stopped");
    for (const job of this.#inflight) this.#host.cancelQueued(job, reason);
    this.#inflight.clear();
    // A pull waiting on the source is released now, not at its next item.
    if (this.#puller !== undefined) this.#closing = this.#puller.close();
  }

  /** Wakes a consumer waiting in next(): it looks at the state again. */
  #wake(): void {
    this.#results.end();
  }

  // ---- the iterator -------------------------------------------------------------

  next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      const current = this.#current;
      if (current !== undefined) {
        const value = current[this.#currentPos++];
        this.#ahead--;
        if (this.#currentPos >= current.length) {
          this.#current = undefined;
          this.#outstanding--;
          // With a buffersize, pull once the consumer has this value in hand
          // (its promise resolves over several microtasks), so the source never
          // sees more than buffersize items the consumer has not received.
          if (this.#buffersize === Number.POSITIVE_INFINITY) this.#fill();
          else setImmediate(this.#fillLater);
        }
        return Promise.resolve({ value, done: false });
      }
      if (this.#error !== undefined && this.#stopped) {
        const error = this.#error.error;
        this.#error = undefined;
        this.#done();
        return Promise.reject(error);
      }
      if (this.#stopped) return Promise.resolve({ value: undefined, done: true });
      if (this.#results.ready) {
        this.#accept(this.#results.take());
        continue;
      }
      if (this.#exhausted && !this.#pulling && this.#outstanding === 0) {
        this.#done();
        return Promise.resolve({ value: undefined, done: true });
      }
      return this.#results.next().then(this.#arrived);
    }
  }

  /** A chunk's results (or failure) reached the consumer waiting in next(), or the run changed state. */
  readonly #arrived = (step: IteratorResult<unknown[] | ChunkError>): Promise<IteratorResult<unknown>> => {
    if (!step.done) this.#accept(step.value);
    return this.next();
  };

  #accept(got: unknown[] | ChunkError): void {
    if (got instanceof ChunkError) {
      this.#error = got;
      this.#stop();
    } else if (got.length === 0) {
      this.#outstanding--;
      this.#fill();
    } else {
      this.#current = got;
      this.#currentPos = 0;
    }
  }

  #done(): void {
    this.#stopped = true;
    this.#unlisten?.();
    this.#unlisten = undefined;
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    if (!this.#stopped) {
      this.#stop();
      this.#error = undefined;
      this.#wake();
      const iter = this.#iter;
      if (iter?.return !== undefined) iter.return();
      else await this.#closing;
    }
    return { value, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function noop(): void {}

/** `map` and `starmap`: every result, in input order. */
export function mapAll(
  host: MapHost,
  ref: TaskRef,
  items: MapSource,
  star: boolean,
  options: MapOptions | undefined,
): Promise<unknown[]> {
  const collect = deferred<unknown[]>();
  new MapStream(host, ref, items, star, options, true, star ? "starmap" : "map", collect);
  return collect.promise;
}
