/**
 * One call on a `RedisPool` (`run`, `map`, `imap`…): the jobs it queued, its
 * cancellation, and the streaming of chunk results in input or completion
 * order with a bounded number of jobs in flight.
 *
 * @internal
 * @module
 */
import { type Deferred, deferred } from "../internal/deferred.js";
import { Deque } from "../internal/deque.js";
import { listenAbort } from "../internal/signal.js";
import type { AsyncResult } from "../pool/executor.js";
import { TimeoutError } from "../internal/errors.js";

interface Entry {
  settled: boolean;
  values?: unknown[];
}

/** What a streaming call needs from the pool. */
export interface StreamOps {
  /** The chunk size (may ask Redis how many workers there are). */
  chunksize(): Promise<number>;
  /** Queues one chunk; resolves to its results. May throw (bad arguments). */
  dispatch(chunk: unknown[], firstIndex: number): Promise<unknown[]>;
}

export class Call {
  /** Ids of this call's jobs that have not finished. */
  readonly jobs = new Set<string>();
  readonly action: string;
  readonly #signal: AbortSignal | undefined;
  readonly #abandon: (call: Call) => Promise<void>;
  readonly #register: (call: Call) => void;
  readonly #done = deferred<void>();
  readonly #aborted = deferred<never>();
  #cancelling: Promise<void> | undefined;
  #begun = false;
  #unlisten: () => void = () => {};

  constructor(
    action: string,
    signal: AbortSignal | undefined,
    register: (call: Call) => void,
    abandon: (call: Call) => Promise<void>,
  ) {
    this.action = action;
    this.#signal = signal;
    this.#register = register;
    this.#abandon = abandon;
    this.#aborted.promise.catch(() => {});
  }

  /** Settles when the call is over (its result delivered, or it failed or was cancelled). */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  #begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    this.#register(this);
    if (this.#signal?.aborted) {
      void this.cancel(this.#signal.reason);
    } else {
      this.#unlisten = listenAbort(this.#signal, (reason) => void this.cancel(reason));
    }
  }

  #finish(): void {
    this.#unlisten();
    this.#done.resolve();
  }

  /** Stops the call: its waits reject with `reason`, its queued jobs are removed. */
  cancel(reason: unknown): Promise<void> {
    if (this.#cancelling === undefined) {
      this.#aborted.reject(reason);
      this.#cancelling = this.#abandon(this).finally(() => this.#finish());
    }
    return this.#cancelling;
  }

  /** `promise`, or the cancellation reason if the call is cancelled first. */
  race<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {});
    return Promise.race([promise, this.#aborted.promise]);
  }

  /** Runs a single-result call; on failure its remaining jobs are abandoned. */
  async settle<T>(body: () => Promise<T>): Promise<T> {
    this.#begin();
    try {
      const value = await body();
      this.#finish();
      return value;
    } catch (error) {
      await this.cancel(error);
      throw error;
    }
  }

  /**
   * Streams the results of `items` in chunks: in input order when `ordered`,
   * else in completion order. At most `maxInFlight` jobs are queued at once.
   * The first error ends the stream at once and abandons the remaining jobs
   * (queued ones are removed), as does a consumer that stops early.
   */
  async *stream<T>(items: Iterable<unknown> | AsyncIterable<unknown>, ordered: boolean, maxInFlight: number, ops: StreamOps) {
    this.#begin();
    let completed = false;
    try {
      const size = await this.race(ops.chunksize());
      const iterator =
        Symbol.asyncIterator in items
          ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
          : (items as Iterable<unknown>)[Symbol.iterator]();
      const entries = new Deque<Entry>();
      let inFlight = 0;
      let exhausted = false;
      let failed: { reason: unknown } | undefined;
      let index = 0;
      let wake: Deferred<void> | undefined;
      const onSettled = (entry: Entry): void => {
        inFlight--;
        if (!ordered) entries.push(entry);
        wake?.resolve();
      };
      for (;;) {
        // Refill the window only once it is half empty: jobs are then added
        // in large batches (one round trip each) rather than one by one.
        const refill = inFlight <= maxInFlight / 2;
        while (refill && !exhausted && failed === undefined && inFlight < maxInFlight) {
          const chunk: unknown[] = [];
          while (chunk.length < size) {
            const next = await iterator.next();
            if (next.done) {
              exhausted = true;
              break;
            }
            chunk.push(next.value);
          }
          if (chunk.length === 0) break;
          const entry: Entry = { settled: false };
          let job: Promise<unknown[]>;
          try {
            job = ops.dispatch(chunk, index);
          } catch (reason) {
            failed = { reason };
            break;
          }
          index += chunk.length;
          inFlight++;
          if (ordered) entries.push(entry);
          job.then(
            (values) => {
              entry.settled = true;
              entry.values = values;
              onSettled(entry);
            },
            (reason: unknown) => {
              failed ??= { reason };
              inFlight--;
              wake?.resolve();
            },
          );
        }
        // The first failure ends the call at once, in either order: the
        // remaining jobs are abandoned by the finally clause.
        if (failed !== undefined) throw failed.reason;
        const head = entries.peekFront();
        if (head?.settled) {
          entries.shift();
          for (const value of head.values ?? []) yield value as T;
          continue;
        }
        if (head === undefined && inFlight === 0 && exhausted) break;
        wake = deferred<void>();
        await this.race(wake.promise);
        wake = undefined;
      }
      completed = true;
      this.#finish();
    } finally {
      if (!completed) await this.cancel(new Error(`${this.action} stopped before its end`));
    }
  }
}

/** Python's `AsyncResult` over a promise. */
export function makeAsyncResult<R>(
  promise: Promise<R>,
  callback?: (result: R) => void,
  errorCallback?: (error: unknown) => void,
): AsyncResult<R> {
  let state: { ok: true; value: R } | { ok: false; error: unknown } | undefined;
  const settled = promise.then(
    (value) => {
      state = { ok: true, value };
      callback?.(value);
    },
    (error: unknown) => {
      state = { ok: false, error };
      errorCallback?.(error);
    },
  );
  const within = async (timeout: number | undefined): Promise<void> => {
    if (timeout === undefined) return settled;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        settled,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`Cannot get result as it is not ready after ${timeout} ms`)), timeout);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async get(timeout) {
      await within(timeout);
      return promise;
    },
    async wait(timeout) {
      await within(timeout).catch((error: unknown) => {
        if (!(error instanceof TimeoutError)) throw error;
      });
    },
    ready: () => state !== undefined,
    successful() {
      if (state === undefined) throw new Error("Cannot tell whether the task succeeded as it has not finished");
      return state.ok;
    },
  };
}
