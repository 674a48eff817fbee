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
 * fixed chunk size submits every chunk at once, as Python does.
 *
 * @internal
 * @module
 */
import { Deque } from "../internal/deque.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { listenAbort } from "../internal/signal.js";
import { checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";
import { AutoChunker, checkChunksize, defaultChunksize } from "./chunksize.js";
import type { MapOptions } from "./executor.js";
import { type Job, KIND_MAP, KIND_STARMAP } from "./job.js";
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

type Source = Iterable<unknown> | AsyncIterable<unknown>;

/** A running map: an async iterator of results, or (collect mode) one promise of them all. */
export class MapStream implements AsyncIterableIterator<unknown> {
  readonly #host: MapHost;
  readonly #ref: TaskRef;
  readonly #star: boolean;
  readonly #ordered: boolean;
  readonly #action: string;
  #array: readonly unknown[] | undefined;
  #pos = 0;
  #iter: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #async = false;
  #exhausted = false;
  #pulling = false;
  #fixed = 0;
  #auto: AutoChunker | undefined;
  #signal: AbortSignal | undefined;
  #timeout = 0;
  #window = 0;
  #outstanding = 0;
  #nextIndex = 0;
  readonly #inflight = new Set<Job>();
  // Ordered delivery: chunk results by index; unordered: in arrival order.
  readonly #byIndex = new Map<number, unknown[] | ChunkError>();
  readonly #arrived = new Deque<unknown[] | ChunkError>();
  #emitIndex = 0;
  #current: unknown[] | undefined;
  #currentPos = 0;
  #waiters: (() => void)[] = [];
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
    items: Source,
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
    try {
      host.checkOpen(`${action} task`);
      checkTaskRef(`${action} task`, ref);
      this.#action = `${action} task '${ref.name}'`;
      this.#setup(items, options);
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

  #setup(items: Source, options: MapOptions | undefined): void {
    const o = checkOptions<MapOptions>(this.#action, options);
    const chunksize = checkChunksize(this.#action, o.chunksize);
    this.#signal = checkSignal(this.#action, o.signal);
    if (o.timeout !== undefined) {
      const ms = checkMilliseconds(this.#action, "timeout", o.timeout, { positive: true, allowInfinity: true });
      this.#timeout = ms === Number.POSITIVE_INFINITY ? 0 : ms; // Infinity: no limit
    }
    if (items === null || typeof items !== "object") {
      throw new TypeError(`Cannot ${this.#action} as 'items' must be iterable: received ${describe(items)}`);
    }
    if (Array.isArray(items)) {
      this.#array = items;
    } else if (typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
      this.#iter = (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      this.#async = true;
    } else if (typeof (items as Iterable<unknown>)[Symbol.iterator] === "function") {
      // map() needs every result anyway: like Python, take the whole list (its length gives the chunk size).
      if (this.#collect !== undefined) this.#array = Array.from(items as Iterable<unknown>);
      else this.#iter = (items as Iterable<unknown>)[Symbol.iterator]();
    } else {
      throw new TypeError(`Cannot ${this.#action} as 'items' must be iterable: received ${describe(items)}`);
    }
    const workers = this.#host.concurrency();
    if (this.#array !== undefined) {
      // Check every item before queueing anything.
      if (this.#star) checkStar(this.#action, this.#array, 0);
      else checkSendable(this.#action, "items", this.#array);
    }
    if (typeof chunksize === "number") this.#fixed = chunksize;
    else if (chunksize === undefined && this.#array !== undefined) {
      this.#fixed = defaultChunksize(this.#array.length, workers);
    } else this.#auto = new AutoChunker();
    this.#window =
      this.#collect !== undefined && this.#fixed > 0 && !this.#async ? Number.POSITIVE_INFINITY : workers * 2 + 1;
  }

  // ---- producing chunks ---------------------------------------------------------

  #size(): number {
    if (this.#fixed > 0) return this.#fixed;
    const remaining = this.#array === undefined ? undefined : this.#array.length - this.#pos;
    return (this.#auto as AutoChunker).next(remaining, this.#host.concurrency());
  }

  #fill(): void {
    if (this.#pulling || this.#stopped) return;
    try {
      while (!this.#exhausted && this.#outstanding < this.#window) {
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
      const iter = this.#iter as AsyncIterator<unknown>;
      while (!this.#exhausted && !this.#stopped && this.#outstanding < this.#window) {
        const size = this.#size();
        const chunk: unknown[] = [];
        while (chunk.length < size) {
          const r = await iter.next();
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
    if (!this.#exhausted && this.#outstanding < this.#window) this.#fill();
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
      this.#fill();
      return;
    }
    if (this.#ordered) this.#byIndex.set(job.tag, results);
    else this.#arrived.push(results);
    this.#wake();
  }

  #chunkFailed(job: Job, error: unknown): void {
    this.#inflight.delete(job);
    if (this.#stopped) return;
    if (this.#collect !== undefined) {
      this.#fail(error);
      return;
    }
    const marker = new ChunkError(error);
    if (this.#ordered) this.#byIndex.set(job.tag, marker);
    else this.#arrived.push(marker);
    this.#wake();
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
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  // ---- the iterator -------------------------------------------------------------

  next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      const current = this.#current;
      if (current !== undefined) {
        const value = current[this.#currentPos++];
        if (this.#currentPos >= current.length) {
          this.#current = undefined;
          this.#outstanding--;
          this.#fill();
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
      let got: unknown[] | ChunkError | undefined;
      if (this.#ordered) {
        got = this.#byIndex.get(this.#emitIndex);
        if (got !== undefined) {
          this.#byIndex.delete(this.#emitIndex);
          this.#emitIndex++;
        }
      } else {
        got = this.#arrived.shift();
      }
      if (got instanceof ChunkError) {
        this.#error = got;
        this.#stop();
        continue;
      }
      if (got !== undefined) {
        if (got.length === 0) {
          this.#outstanding--;
          this.#fill();
          continue;
        }
        this.#current = got;
        this.#currentPos = 0;
        continue;
      }
      if (this.#exhausted && !this.#pulling && this.#outstanding === 0) {
        this.#done();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(() => this.next());
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
      if (iter?.return !== undefined) await iter.return();
    }
    return { value, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function checkStar(action: string, items: readonly unknown[], offset: number): void {
  for (let i = 0; i < items.length; i++) {
    const args = items[i];
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot ${action} as items[${offset + i}] must be an array of arguments: received ${describe(args)}`,
      );
    }
    checkSendable(action, `items[${offset + i}]`, args);
  }
}

/** `map` and `starmap`: every result, in input order. */
export function mapAll(
  host: MapHost,
  ref: TaskRef,
  items: Source,
  star: boolean,
  options: MapOptions | undefined,
): Promise<unknown[]> {
  const collect = deferred<unknown[]>();
  new MapStream(host, ref, items, star, options, true, star ? "starmap" : "map", collect);
  return collect.promise;
}
